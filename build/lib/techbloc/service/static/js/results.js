// techbloc dashboard: the results of an evaluation or a study.
"use strict";

(function results(TB) {
  const { el, fmt } = TB;

  // Headline outcomes: the registry names them; these are the page's short titles.
  const TITLES = {
    china_knowledge_vs_status_quo: "China vs status quo",
    leakage_to_china: "Leakage to China",
    achieved_stringency: "Achieved stringency",
    cohesion: "Cohesion",
    external_stability: "Acceptance of outsiders",
  };
  const HEADLINE = Object.keys(TITLES);
  // Which way is better for the alliance (the outputs registry's direction), for results
  // that do not carry it (a study's).
  const DIRECTIONS = { china_knowledge_vs_status_quo: -1, leakage_to_china: -1, achieved_stringency: 1,
    cohesion: 1, external_stability: 1 };

  function rowsFor(result, labels, key) {
    return result.policies.map((p, i) => {
      const s = (result.outcomes[p.name] || {})[key] || {};
      return { label: labels[i], median: s.median ?? null, p10: s.p10 ?? null, p90: s.p90 ?? null };
    });
  }

  function headline(result, labels) {
    const keys = (result.headline || HEADLINE).filter((k) => result.metrics[k]);
    const figures = keys.map((key) => {
      const info = result.metrics[key];
      let note = `${info.description} (${info.unit}). Bar: median; whiskers: 10th–90th percentile.`;
      if (key === "external_stability") note = `${info.description}: share of futures. ${note.split(". ").slice(1).join(". ")}`;
      return TB.barChart({ title: TITLES[key] || key, note, unit: info.unit,
        direction: (result.directions || DIRECTIONS)[key] ?? 0, name: TB.slug(key) }, rowsFor(result, labels, key));
    });
    const backfire = result.policies.map((p, i) => ({ label: labels[i], median: result.backfire_share[p.name] ?? null, p10: null, p90: null }));
    figures.splice(1, 0, TB.barChart({ title: "Futures where China ends stronger",
      note: "Share of futures in which China ends with more knowledge than under the status quo (US-only controls, no pool).",
      unit: "share", direction: 0, name: "backfire-share" }, backfire));
    return el("section", { class: "result-block" }, el("h2", { text: "Headline outcomes (final year)" }),
      el("div", { class: "charts" }, ...figures));
  }

  function fans(result, labels) {
    const keys = (result.headline || HEADLINE).filter((k) => result.policies.some((p) => ((result.trajectories || {})[p.name] || {})[k]));
    if (!keys.length) return null;
    const shown = new Set(result.policies.slice(0, 4).map((p) => p.name));
    const box = el("div", { class: "charts" });
    const draw = () => {
      const series = [];
      result.policies.forEach((p, i) => {
        if (shown.has(p.name)) series.push({ name: p.name, label: labels[i], colour: TB.colour(i), dash: TB.dash(i), fan: null });
      });
      box.replaceChildren(...keys.map((key) => {
        const info = result.metrics[key] || { description: key, unit: "" };
        const s = series.map((x) => ({ ...x, fan: result.trajectories[x.name][key] })).filter((x) => x.fan);
        return TB.fanChart({ title: TITLES[key] || key, unit: info.unit, name: `fan-${TB.slug(key)}`,
          note: `${info.description}. Line: median; band: 25th–75th percentile${s.length === 1 ? " (light: 10th–90th)" : " (show one coalition for the 10th–90th band)"}.` }, s);
      }));
    };
    const toggles = el("div", { class: "toggles", role: "group", "aria-label": "Coalitions shown over time" },
      el("span", { class: "small muted", text: "Shown:" }),
      ...result.policies.map((p, i) => {
        const box2 = el("input", { type: "checkbox" });
        box2.checked = shown.has(p.name);
        box2.addEventListener("change", () => { if (box2.checked) shown.add(p.name); else shown.delete(p.name); draw(); });
        return el("label", { class: "chip-toggle" }, box2, el("span", { class: "swatch", style: `background:${TB.colour(i)}` }), labels[i]);
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
  TB.renderResults = function renderResults(box, result, labels) {
    TB.chartBox = box;
    labels = result.policies.map((p, i) => labels[i] || p.name);
    box.replaceChildren(...[headline(result, labels), fans(result, labels), domains(result, labels),
      stability(result, labels), everything(result, labels)].filter(Boolean));
  };
})(window.TB);
