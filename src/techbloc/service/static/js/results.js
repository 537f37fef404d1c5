// techbloc dashboard: the results of an evaluation or a study.
"use strict";

(function results(TB) {
  const { el, fmt } = TB;

  // Short titles of some outcomes; the headline list and its order come from the server
  // (the registry), and an outcome without a title here is titled by its description.
  const TITLES = {
    china_capability_vs_status_quo: "China's capability vs status quo",
    power_ratio_china_us_vs_status_quo: "China/US power vs status quo",
    capability_gap_vs_status_quo: "Coalition's lead vs status quo",
    china_knowledge_vs_status_quo: "China's knowledge vs status quo",
    leakage_to_china: "Leakage to China",
    achieved_stringency: "Achieved stringency",
    cohesion: "Cohesion",
    alliance_rd_share: "Alliance R&D share",
    external_stability: "Externally stable",
  };
  const title = (result, key) => TITLES[key] || ((result.metrics[key] || {}).description || key).replace(/^./, (c) => c.toUpperCase());
  const headlineKeys = (result) => (result.headline || []).filter((k) => result.metrics[k]);
  let colours = null;
  const colourOf = (i) => (colours && colours[i]) || TB.colour(i);

  // One bar per coalition: the median with its 10th-90th percentiles, or for a 0/1 flag the
  // share of futures in which it holds (its median would read 0% or 100%).
  function rowsFor(result, labels, key) {
    const flag = (result.metrics[key] || {}).unit === "0/1";
    return result.policies.map((p, i) => {
      const s = (result.outcomes[p.name] || {})[key] || {};
      if (flag) return { label: labels[i], colour: colourOf(i), median: s.share_positive ?? null, p10: null, p90: null };
      return { label: labels[i], colour: colourOf(i), median: s.median ?? null, p10: s.p10 ?? null, p90: s.p90 ?? null };
    });
  }

  // What a chart of ``key`` shows, in words: a 0/1 flag is a share of futures, said positively.
  function describe(info) {
    if (info.unit === "0/1") return `Share of futures in which ${info.description.replace(/^1 if /, "")}`;
    return `${info.description} (${info.unit})`;
  }

  function headline(result, labels) {
    const keys = headlineKeys(result);
    const figures = keys.map((key) => {
      const info = result.metrics[key];
      const direction = (result.directions || {})[key] ?? 0;
      const worse = direction !== 0 && info.unit === "log ratio"
        ? " Pale dashed bar: worse for the alliance than the status quo." : "";
      const rows = rowsFor(result, labels, key);
      let how = info.unit === "0/1" ? "" : " Bar: median; whiskers: 10th–90th percentile.";
      if (info.unit === "0/1" && rows.length && rows.every((r) => r.median === 0)) {
        how = ` It holds in none of these ${TB.plural(result.scenarios || result.n_scenarios || 0, "future")} for any coalition${key === "external_stability" ? `: in each, some outsider would gain by joining and be let in${result.stability && Object.keys(result.stability).length ? " (see Stability, who would join)" : ""}` : ""}.`;
      }
      const note = `${describe(info)}.${how}${worse}`;
      return TB.barChart({ title: title(result, key), note, unit: info.unit, direction, name: TB.slug(key) }, rows);
    });
    const backfire = result.policies.map((p, i) => ({ label: labels[i], colour: colourOf(i), median: result.backfire_share[p.name] ?? null, p10: null, p90: null }));
    figures.splice(1, 0, TB.barChart({ title: "Futures where China ends stronger",
      note: "Share of futures in which China ends with more realized capability than under the status quo (US-only controls, no pool).",
      unit: "share", direction: 0, name: "backfire-share" }, backfire));
    return el("section", { class: "result-block" }, el("h2", { text: "Headline outcomes (final year)" }),
      el("div", { class: "charts" }, ...figures));
  }

  function fans(result, labels) {
    const keys = (result.headline || []).filter((k) => result.policies.some((p) => ((result.trajectories || {})[p.name] || {})[k]));
    if (!keys.length) return null;
    const shown = new Set(result.policies.slice(0, 4).map((p) => p.name));
    const box = el("div", { class: "charts" });
    const draw = () => {
      const series = [];
      result.policies.forEach((p, i) => {
        if (shown.has(p.name)) series.push({ name: p.name, label: labels[i], colour: colourOf(i), dash: TB.dash(i), fan: null });
      });
      box.replaceChildren(...keys.map((key) => {
        const info = result.metrics[key] || { description: key, unit: "" };
        const s = series.map((x) => ({ ...x, fan: result.trajectories[x.name][key] })).filter((x) => x.fan);
        return TB.fanChart({ title: title(result, key), unit: info.unit, name: `fan-${TB.slug(key)}`,
          note: `${info.description}. Line: median; band: 25th–75th percentile${s.length === 1 ? " (light: 10th–90th)" : " (show one coalition for the 10th–90th band)"}.` }, s);
      }));
    };
    const toggles = el("div", { class: "toggles", role: "group", "aria-label": "Coalitions shown over time" },
      el("span", { class: "small muted", text: "Shown:" }),
      ...result.policies.map((p, i) => {
        const box2 = el("input", { type: "checkbox" });
        box2.checked = shown.has(p.name);
        box2.addEventListener("change", () => { if (box2.checked) shown.add(p.name); else shown.delete(p.name); draw(); });
        return el("label", { class: "chip-toggle" }, box2, el("span", { class: "swatch", style: `background:${colourOf(i)}` }), labels[i]);
      }));
    draw();
    return el("section", { class: "result-block" }, el("h2", { text: "Over time" }), toggles, box);
  }

  function domains(result, labels) {
    const outputs = Object.keys((result.domains || {})[result.policies[0].name] || {});
    if (!outputs.length) return null;
    const wrap = el("div", {});
    const select = el("select", { "aria-label": "Per-domain outcome" },
      ...outputs.map((o) => el("option", { value: o, text: (result.metrics[o] || {}).description || o })));
    const draw = () => {
      const key = select.value;
      const { table, rows } = TB.domainTable(result, labels, key);
      const note = key === "gap_capability_by_domain"
        ? "ln(US capability / China's) per domain, final year: > 0 the US leads. Median [p10, p90]."
        : "ln(frontier knowledge / China's) per domain, final year: > 0 the frontier leads. Median [p10, p90].";
      wrap.replaceChildren(el("div", { class: "chart-head" }, el("p", { class: "note", text: note }),
        el("div", { class: "downloads" }, el("button", { type: "button", class: "link", text: "CSV",
          onclick: () => TB.download(`${TB.slug(key)}.csv`, TB.csv(rows)) }))),
      el("div", { class: "table-scroll" }, table));
    };
    select.addEventListener("change", draw);
    draw();
    return el("section", { class: "result-block" }, el("h2", { text: "Gaps by technology domain" }),
      el("label", { class: "label inline" }, "Outcome ", select), wrap);
  }

  function stability(result, labels) {
    if (!result.stability || !Object.keys(result.stability).length) return null;
    const select = el("select", { "aria-label": "Coalition" },
      ...result.policies.map((p, i) => el("option", { value: p.name, text: labels[i] })));
    const wrap = el("div", { class: "stability" });
    const link = (row) => el("a", { href: `/country/${row.iso3}`, text: `${row.name} (${row.iso3})` });
    const meter = (v) => el("span", { class: "meter" }, el("span", { style: `width:${Math.round(100 * (v || 0))}%` }), fmt.pct(0)(v));
    const draw = () => {
      const s = result.stability[select.value];
      const members = el("table", { class: "grid-table" },
        el("thead", {}, el("tr", {}, el("th", { text: "member" }), el("th", { text: "stays (share of futures)" }), el("th", { text: "median margin" }))),
        el("tbody", {}, ...s.members.map((r) => el("tr", {}, el("td", {}, link(r)), el("td", {}, meter(r.share_stays)), el("td", { text: fmt.num(2)(r.median_margin) })))));
      const top = s.outsiders.slice(0, 12);
      const outsiders = el("table", { class: "grid-table" },
        el("thead", {}, el("tr", {}, el("th", { text: "outsider" }), el("th", { text: "wants in" }), el("th", { text: "accepted" }), el("th", { text: "would join" }))),
        el("tbody", {}, ...top.map((r) => el("tr", {}, el("td", {}, link(r)), el("td", {}, meter(r.share_wants_in)), el("td", {}, meter(r.share_accepted)), el("td", {}, meter(r.share_would_join))))));
      const rows = [["coalition", "country", "role", "share_stays", "median_margin", "share_wants_in", "share_accepted", "share_would_join", "median_gain"]];
      for (const r of s.members) rows.push([select.value, r.iso3, "member", r.share_stays, r.median_margin, "", "", "", ""]);
      for (const r of s.outsiders) rows.push([select.value, r.iso3, "outsider", "", "", r.share_wants_in, r.share_accepted, r.share_would_join, r.median_gain]);
      wrap.replaceChildren(
        el("div", { class: "chart-head" }, el("p", { class: "note", text: "Final year. A member stays when its membership margin is non-negative; an outsider wants in when joining would gain it something, and is accepted when no incumbent would lose (MODEL.md E12)." }),
          el("div", { class: "downloads" }, el("button", { type: "button", class: "link", text: "CSV",
            onclick: () => TB.download(`stability-${TB.slug(select.value)}.csv`, TB.csv(rows)) }))),
        el("div", { class: "two" },
          el("div", {}, el("h3", { text: "Who would stay" }), s.members.length ? el("div", { class: "table-scroll" }, members) : el("p", { class: "muted", text: "The USA alone: no other member." })),
          el("div", {}, el("h3", { text: "Who would join, and be accepted (top 12)" }), el("div", { class: "table-scroll" }, outsiders))));
    };
    select.addEventListener("change", draw);
    draw();
    return el("section", { class: "result-block" }, el("h2", { text: "Stability" }),
      el("label", { class: "label inline" }, "Coalition ", select), wrap);
  }

  function everything(result, labels) {
    const rows = TB.outcomeRows(result, labels);
    return el("section", { class: "result-block" },
      el("div", { class: "chart-head" }, el("h2", { text: "Every outcome" }),
        el("div", { class: "downloads" }, el("button", { type: "button", class: "link", id: "download-all",
          text: "All numbers (CSV)", onclick: () => TB.download("techbloc-outcomes.csv", TB.csv(rows)) }))),
      el("details", {}, el("summary", { text: "Table of every final-year outcome (median [p10, p90])" }),
        el("div", { class: "table-scroll" }, TB.outcomeTable(result, labels))));
  }

  // Render a result (RunResult or StudyResults shaped like it) into ``box``.
  // ``options.colours``: each coalition's colour (as in the builder); ``options.importance``:
  // (policy, outcome) -> URL of its parameter importance; ``options.futures``: the
  // per-future table (default ``result.futures``).
  TB.renderResults = function renderResults(box, result, labels, options = {}) {
    TB.chartBox = box;
    colours = options.colours || null;
    labels = result.policies.map((p, i) => labels[i] || p.name);
    const futures = options.futures || result.futures;
    box.replaceChildren(...[headline(result, labels),
      options.importance ? TB.importanceBlock(result, labels, options.importance) : null,
      fans(result, labels), domains(result, labels), stability(result, labels),
      futures ? TB.futuresBlock(result, labels, futures) : null,
      everything(result, labels)].filter(Boolean));
  };
  TB.outcomeTitle = title;
})(window.TB);
