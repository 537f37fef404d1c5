// techbloc dashboard: charts (SVG), tables, and their downloads (SVG, PNG, CSV).
"use strict";

(function charts(TB) {
  const { el, svg, fmt } = TB;
  // Tableau 10: distinguishable, and readable on white
  const PALETTE = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948",
    "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"];
  TB.colour = (i) => PALETTE[i % PALETTE.length];
  TB.dash = (i) => (i < PALETTE.length ? "" : i < 2 * PALETTE.length ? "5 3" : "2 2");

  // Rules copied into every exported SVG, so a downloaded chart looks like the page's.
  const SVG_STYLE = `text{font:11px system-ui,sans-serif;fill:#222}.tick{fill:#666;font-size:10px}
.grid{stroke:#e3e3e3}.zero{stroke:#888}.bar{fill:#4e79a7}.bar.worse{fill:#e15759}
.whisker{stroke:#222;stroke-width:1.2}.value{font-weight:600}.axis{stroke:#999}`;

  function niceTicks(lo, hi, count = 3) {
    if (!(hi - lo > 1e-12)) { hi = lo + 1; }
    const raw = (hi - lo) / count;
    const power = 10 ** Math.floor(Math.log10(raw));
    const step = [1, 2, 2.5, 5, 10].map((m) => m * power).find((s) => s >= raw);
    const ticks = [];
    for (let t = Math.floor(lo / step) * step; t < hi + step - 1e-9; t += step) {
      ticks.push(Math.abs(t) < step * 1e-9 ? 0 : Number(t.toPrecision(12)));
    }
    return ticks;
  }
  TB.niceTicks = niceTicks;

  function tickFormatter(ticks, unit) {
    const step = ticks.length > 1 ? Math.abs(ticks[1] - ticks[0]) : 1;
    const percent = unit === "share" || unit === "0/1";
    const scale = percent ? 100 : 1;
    const digits = Math.max(0, -Math.floor(Math.log10(step * scale) + 1e-9));
    return (t) => (t * scale).toFixed(Math.min(digits, 4)) + (percent ? "%" : "");
  }

  // A figure: title, note, the SVG, and buttons to download it as SVG, PNG and CSV.
  TB.figure = function figure({ title, note, node, rows, name, wide }) {
    const tools = el("div", { class: "downloads" },
      el("button", { type: "button", class: "link", text: "SVG", "aria-label": `${title}: download SVG`,
        onclick: () => TB.download(`${name}.svg`, svgBlob(node)) }),
      el("button", { type: "button", class: "link", text: "PNG", "aria-label": `${title}: download PNG`,
        onclick: () => pngBlob(node).then((b) => TB.download(`${name}.png`, b)) }),
      el("button", { type: "button", class: "link", text: "CSV", "aria-label": `${title}: download CSV`,
        onclick: () => TB.download(`${name}.csv`, TB.csv(rows)) }));
    return el("figure", { class: wide ? "chart wide" : "chart", "data-chart": name },
      el("div", { class: "chart-head" }, el("h3", { text: title }), tools),
      note ? el("p", { class: "note", text: note }) : null, node);
  };

  function svgText(node) {
    const copy = node.cloneNode(true);
    copy.setAttribute("xmlns", TB.SVG_NS);
    const [, , w, h] = copy.getAttribute("viewBox").split(" ").map(Number);
    copy.setAttribute("width", w);
    copy.setAttribute("height", h);
    const style = document.createElementNS(TB.SVG_NS, "style");
    style.textContent = SVG_STYLE;
    copy.insertBefore(style, copy.firstChild);
    const background = svg("rect", { x: 0, y: 0, width: w, height: h, fill: "#fff" });
    copy.insertBefore(background, style.nextSibling);
    return { text: new XMLSerializer().serializeToString(copy), w, h };
  }
  const svgBlob = (node) => new Blob([svgText(node).text], { type: "image/svg+xml" });
  TB.svgBlob = svgBlob;

  function pngBlob(node, scale = 2) {
    const { text, w, h } = svgText(node);
    return new Promise((resolve, reject) => {
      const image = new Image();
      const url = URL.createObjectURL(new Blob([text], { type: "image/svg+xml" }));
      image.onload = () => {
        const canvas = el("canvas", { width: w * scale, height: h * scale });
        const ctx = canvas.getContext("2d");
        ctx.scale(scale, scale);
        ctx.drawImage(image, 0, 0);
        URL.revokeObjectURL(url);
        canvas.toBlob((b) => (b ? resolve(b) : reject(new Error("PNG export failed"))), "image/png");
      };
      image.onerror = () => reject(new Error("PNG export failed"));
      image.src = url;
    });
  }
  TB.pngBlob = pngBlob;

  // Width of a chart's drawing, in SVG units: the phone's width on narrow screens, so that
  // the text stays readable once the SVG is scaled to the page.
  // ``TB.chartBox`` is the element the charts go into: one SVG unit is then about a pixel.
  TB.chartWidth = () => {
    const box = TB.chartBox && TB.chartBox.clientWidth ? TB.chartBox.clientWidth : window.innerWidth - 70;
    const columns = Math.max(1, Math.floor((box + 12) / (340 + 12)));
    const column = (box - 12 * (columns - 1)) / columns - 22;
    return Math.round(Math.max(300, Math.min(560, column)));
  };

  // -- bars: median and p10-p90 per coalition ---------------------------------------------
  TB.barChart = function barChart({ title, note, unit, direction, name }, rows) {
    const values = rows.flatMap((r) => [r.median, r.p10, r.p90]).filter((v) => v !== null && v !== undefined);
    const ticks = niceTicks(Math.min(0, ...values), Math.max(0, ...values));
    const lo = ticks[0], hi = ticks[ticks.length - 1];
    const width = TB.chartWidth(), labelW = Math.round(width * 0.3), valueW = 50, rowH = 22, top = 6, axisH = 18;
    const plotW = width - labelW - valueW - 8;
    const height = top + Math.max(1, rows.length) * rowH + axisH;
    const x = (v) => labelW + ((v - lo) / (hi - lo)) * plotW;
    const root = svg("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": title });
    const tickText = tickFormatter(ticks, unit);
    for (const t of ticks) {
      root.append(svg("line", { x1: x(t), x2: x(t), y1: top, y2: height - axisH, class: "grid" }));
      root.append(svg("text", { x: x(t), y: height - 5, "text-anchor": "middle", class: "tick" }, tickText(t)));
    }
    root.append(svg("line", { x1: x(0), x2: x(0), y1: top, y2: height - axisH, class: "zero" }));
    const show = TB.formatter(unit);
    rows.forEach((r, i) => {
      const y = top + i * rowH, mid = y + rowH / 2;
      const room = Math.floor(labelW / 6.5);
      const label = r.label.length > room ? `${r.label.slice(0, room - 1)}…` : r.label;
      const text = svg("text", { x: labelW - 6, y: mid + 4, "text-anchor": "end" }, label);
      text.append(svg("title", {}, r.label));
      root.append(text);
      if (r.median === null || r.median === undefined) return;
      const x0 = x(Math.min(0, r.median)), x1 = x(Math.max(0, r.median));
      const worse = direction !== 0 && Math.sign(r.median) === -direction && unit === "log ratio";
      const bar = svg("rect", { x: x0, y: y + 5, width: Math.max(1, x1 - x0), height: rowH - 10,
        class: worse ? "bar worse" : "bar" });
      root.append(bar);
      if (r.p10 !== null && r.p10 !== undefined && r.p90 !== null && r.p90 !== undefined) {
        root.append(svg("line", { x1: x(r.p10), x2: x(r.p90), y1: mid, y2: mid, class: "whisker" }));
        for (const v of [r.p10, r.p90]) {
          root.append(svg("line", { x1: x(v), x2: x(v), y1: mid - 4, y2: mid + 4, class: "whisker" }));
        }
        bar.append(svg("title", {}, `${r.label}: median ${show(r.median)} [p10 ${show(r.p10)}, p90 ${show(r.p90)}]`));
      } else {
        bar.append(svg("title", {}, `${r.label}: ${show(r.median)}`));
      }
      root.append(svg("text", { x: width - 2, y: mid + 4, "text-anchor": "end", class: "value" }, show(r.median)));
    });
    const csvRows = [["coalition", "median", "p10", "p90"], ...rows.map((r) => [r.label, r.median, r.p10, r.p90])];
    return TB.figure({ title, note, node: root, rows: csvRows, name });
  };

  // -- fans: percentiles year by year, one colour per coalition ---------------------------
  TB.fanChart = function fanChart({ title, note, unit, name }, series) {
    const width = TB.chartWidth(), height = 230, left = 48, right = 18, top = 10, bottom = 24;
    const all = series.flatMap((s) => [...s.fan.p10, ...s.fan.p90]).filter((v) => v !== null);
    const years = series.length ? series[0].fan.years : [0, 1];
    const ticks = niceTicks(Math.min(...all, unit === "log ratio" ? 0 : Infinity), Math.max(...all), 4);
    const lo = ticks[0], hi = ticks[ticks.length - 1];
    const x = (year) => left + ((year - years[0]) / Math.max(1, years[years.length - 1] - years[0])) * (width - left - right);
    const y = (v) => top + (1 - (v - lo) / (hi - lo)) * (height - top - bottom);
    const root = svg("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": title });
    const tickText = tickFormatter(ticks, unit);
    for (const t of ticks) {
      root.append(svg("line", { x1: left, x2: width - right, y1: y(t), y2: y(t), class: t === 0 ? "zero" : "grid" }));
      root.append(svg("text", { x: left - 4, y: y(t) + 3, "text-anchor": "end", class: "tick" }, tickText(t)));
    }
    const span = years[years.length - 1] - years[0];
    const every = span > 40 ? 20 : span > 16 ? 10 : span > 6 ? 5 : 1;
    for (const year of years) {
      const first = year === years[0];
      if (!first && (year % every !== 0 || year - years[0] < every / 2)) continue;
      root.append(svg("text", { x: x(year), y: height - 6, "text-anchor": first ? "start" : "middle", class: "tick" }, String(year)));
    }
    const band = (upper, lower) => {
      const pts = [];
      years.forEach((yr, i) => { if (upper[i] !== null && lower[i] !== null) pts.push(`${x(yr)},${y(upper[i])}`); });
      for (let i = years.length - 1; i >= 0; i -= 1) {
        if (upper[i] !== null && lower[i] !== null) pts.push(`${x(years[i])},${y(lower[i])}`);
      }
      return pts.join(" ");
    };
    // one coalition: both bands; several: the 25th-75th band only, so they stay apart
    const single = series.length === 1;
    for (const s of series) {
      const f = s.fan;
      if (single) root.append(svg("polygon", { points: band(f.p90, f.p10), fill: s.colour, "fill-opacity": 0.14, stroke: "none" }));
      root.append(svg("polygon", { points: band(f.p75, f.p25), fill: s.colour, "fill-opacity": single ? 0.28 : 0.16, stroke: "none" }));
    }
    for (const s of series) {
      const f = s.fan;
      const line = years.map((yr, i) => (f.p50[i] === null ? null : `${x(yr)},${y(f.p50[i])}`)).filter(Boolean).join(" ");
      const path = svg("polyline", { points: line, fill: "none", stroke: s.colour, "stroke-width": 2,
        "stroke-dasharray": s.dash || "none" });
      path.append(svg("title", {}, s.label));
      root.append(path);
    }
    const csvRows = [["coalition", "year", "p10", "p25", "p50", "p75", "p90"]];
    for (const s of series) {
      s.fan.years.forEach((yr, i) => csvRows.push([s.label, yr, s.fan.p10[i], s.fan.p25[i], s.fan.p50[i], s.fan.p75[i], s.fan.p90[i]]));
    }
    const fig = TB.figure({ title, note, node: root, rows: csvRows, name });
    fig.append(el("ul", { class: "key small" }, ...series.map((s) => el("li", {},
      el("span", { class: "swatch", style: `background:${s.colour}` }), s.label))));
    return fig;
  };

  // -- per-domain gaps: a coloured table (rows coalitions, columns domains) ----------------
  TB.domainTable = function domainTable(result, labels, output) {
    const domains = Object.keys(result.domain_labels);
    const cells = result.policies.map((p) => (result.domains[p.name] || {})[output] || {});
    const values = cells.flatMap((c) => Object.values(c).map((s) => s.median)).filter((v) => v !== null);
    const extent = Math.max(1e-9, ...values.map(Math.abs));
    const head = el("tr", {}, el("th", { text: "coalition" }), ...domains.map((d) => el("th", { text: result.domain_labels[d] })));
    const body = el("tbody");
    result.policies.forEach((p, i) => {
      body.append(el("tr", {}, el("th", { scope: "row", text: labels[i] }), ...domains.map((d) => {
        const s = cells[i][d];
        if (!s || s.median === null) return el("td", { text: "–" });
        const t = s.median / extent;
        const colour = t >= 0 ? `rgba(78,121,167,${0.15 + 0.6 * t})` : `rgba(225,87,89,${0.15 - 0.6 * t})`;
        return el("td", { style: `background:${colour}`, title: `p10 ${fmt.signed(2)(s.p10)}, p90 ${fmt.signed(2)(s.p90)}` },
          fmt.signed(2)(s.median), el("span", { class: "range", text: `[${fmt.signed(2)(s.p10)}, ${fmt.signed(2)(s.p90)}]` }));
      })));
    });
    const csvRows = [["coalition", "domain", "median", "p10", "p90"]];
    result.policies.forEach((p, i) => domains.forEach((d) => {
      const s = cells[i][d] || {};
      csvRows.push([labels[i], d, s.median, s.p10, s.p90]);
    }));
    return { table: el("table", { class: "grid-table" }, el("thead", {}, head), body), rows: csvRows };
  };

  // -- the table of every final-year outcome ----------------------------------------------
  TB.outcomeRows = function outcomeRows(result, labels) {
    const rows = [["coalition", "outcome", "unit", "median", "p10", "p90", "share_positive"]];
    result.policies.forEach((p, i) => {
      for (const [key, s] of Object.entries(result.outcomes[p.name] || {})) {
        rows.push([labels[i], key, (result.metrics[key] || {}).unit, s.median, s.p10, s.p90, s.share_positive]);
      }
    });
    return rows;
  };

  TB.outcomeTable = function outcomeTable(result, labels) {
    const head = el("tr", {}, el("th", { text: "outcome (final year)" }), ...labels.map((l) => el("th", { text: l })));
    const body = el("tbody");
    for (const [key, info] of Object.entries(result.metrics)) {
      const show = TB.formatter(info.unit);
      body.append(el("tr", {},
        el("th", { scope: "row" }, key, el("span", { class: "unit", text: `${info.description} (${info.unit})` })),
        ...result.policies.map((p) => {
          const s = (result.outcomes[p.name] || {})[key];
          if (!s || s.median === null) return el("td", { text: "–" });
          return el("td", {}, show(s.median), el("span", { class: "range", text: `[${show(s.p10)}, ${show(s.p90)}]` }));
        })));
    }
    return el("table", { class: "grid-table" }, el("thead", {}, head), body);
  };
})(window.TB);
