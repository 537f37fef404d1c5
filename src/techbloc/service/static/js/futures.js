// techbloc dashboard: parameter importance and the per-future table (as Optuna Dashboard
// shows a study's importance and its sortable per-trial table).
"use strict";

(function futures(TB) {
  const { el, fmt } = TB;
  const SHOWN = 100; // rows drawn at once; the CSV has them all

  const select = (label, options, value) => {
    const node = el("select", { "aria-label": label }, ...options.map(([v, t]) => el("option", { value: v, text: t })));
    if (value !== undefined) node.value = value;
    return node;
  };

  // Importance of the sampled parameters for one outcome of one coalition, fetched on demand.
  TB.importanceBlock = function importanceBlock(result, labels, urlFor) {
    const keys = (result.headline || []).filter((k) => result.metrics[k]);
    const outcome = select("Outcome", keys.map((k) => [k, TB.outcomeTitle(result, k)]));
    const policy = select("Coalition", result.policies.map((p, i) => [p.name, labels[i]]));
    const box = el("div", { class: "charts importance-chart" });
    const draw = async () => {
      box.replaceChildren(el("p", { class: "muted small", text: "Computing…" }));
      const key = outcome.value, i = policy.selectedIndex;
      try {
        const answer = await TB.api(urlFor(policy.value, key));
        const top = answer.parameters.slice(0, 10);
        const rows = top.map((r) => ({ label: r.description, median: r.S1,
          p10: r.S1 === null || r.S1_conf === null ? null : Math.max(0, r.S1 - r.S1_conf),
          p90: r.S1 === null || r.S1_conf === null ? null : r.S1 + r.S1_conf, colour: "#6b7a8c" }));
        const figure = TB.barChart({ title: `What drives “${TB.outcomeTitle(result, key)}” for ${labels[i]}`, labelShare: 0.5,
          note: `The ${top.length} parameters explaining most of its variance across ${TB.plural(answer.futures, "future")} on their own: ${answer.method}. `
            + "With few futures the intervals are wide; a study gives sharper ones.",
          unit: "share", direction: 0, name: "importance" }, rows);
        top.forEach((r, k) => {
          const text = figure.querySelectorAll("svg text.label")[k];
          if (text) text.querySelector("title").textContent = `${r.description} (${r.parameter})`;
        });
        box.replaceChildren(figure);
      } catch (err) {
        box.replaceChildren(el("p", { class: "muted small", text: `No importance: ${err.message}.` }));
      }
    };
    outcome.addEventListener("change", draw);
    policy.addEventListener("change", draw);
    draw();
    return el("section", { class: "result-block importance", "data-block": "importance" },
      el("h2", { text: "Parameter importance" }),
      el("div", { class: "tools" }, el("label", { class: "label inline" }, "Outcome ", outcome),
        el("label", { class: "label inline" }, "Coalition ", policy)), box);
  };

  // Every future: its headline outcomes for one coalition and its sampled parameters;
  // sortable (click a heading), filterable (a column above or below a value), downloadable.
  TB.futuresBlock = function futuresBlock(result, labels, data) {
    const keys = (result.headline || []).filter((k) => result.metrics[k]);
    const params = Object.keys(data.parameters);
    const policy = select("Coalition", result.policies.map((p, i) => [p.name, labels[i]]));
    const columns = () => [
      { key: "future", title: "future", values: data.scenario, show: String },
      ...keys.map((k) => ({ key: k, title: TB.outcomeTitle(result, k), hint: result.metrics[k].description,
        values: (data.outcomes[policy.value] || {})[k] || [],
        show: result.metrics[k].unit === "0/1" ? (v) => (v ? "yes" : "no") : TB.formatter(result.metrics[k].unit) })),
      ...params.map((p) => ({ key: p, title: p, hint: (TB.registry && (TB.registry.parameters.find((x) => x.name === p) || {}).description) || p,
        values: data.parameters[p], show: fmt.auto })),
    ];
    const column = select("Filter column", [["", "no filter"], ...keys.map((k) => [k, TB.outcomeTitle(result, k)]), ...params.map((p) => [p, p])]);
    const op = select("Comparison", [[">=", "≥"], ["<=", "≤"]]);
    const value = el("input", { type: "number", step: "any", "aria-label": "Filter value", class: "num" });
    let sortKey = "future", ascending = true;
    const wrap = el("div", { class: "table-scroll" });
    const count = el("p", { class: "small muted", role: "status" });
    let visible = [];
    const draw = () => {
      const cols = columns();
      const byKey = Object.fromEntries(cols.map((c) => [c.key, c]));
      let order = data.scenario.map((_, i) => i);
      const f = byKey[column.value], limit = Number(value.value);
      if (f && value.value !== "" && Number.isFinite(limit)) {
        order = order.filter((i) => f.values[i] !== null && (op.value === ">=" ? f.values[i] >= limit : f.values[i] <= limit));
      }
      const s = byKey[sortKey] || byKey.future;
      order.sort((a, b) => {
        const x = s.values[a], y = s.values[b];
        if (x === null || x === undefined) return 1;
        if (y === null || y === undefined) return -1;
        return ascending ? x - y : y - x;
      });
      visible = order;
      const head = el("tr", {}, ...cols.map((c) => {
        const button = el("button", { type: "button", text: c.title, title: c.hint || c.title });
        button.addEventListener("click", () => { ascending = sortKey === c.key ? !ascending : true; sortKey = c.key; draw(); });
        return el("th", { scope: "col", "data-key": c.key, "aria-sort": c.key === s.key ? (ascending ? "ascending" : "descending") : "none" }, button);
      }));
      const body = el("tbody", {}, ...order.slice(0, SHOWN).map((i) => el("tr", { "data-future": data.scenario[i] },
        ...cols.map((c) => el("td", { text: c.values[i] === null || c.values[i] === undefined ? "–" : c.show(c.values[i]) })))));
      wrap.replaceChildren(el("table", { class: "grid-table" }, el("thead", {}, head), body));
      count.textContent = order.length > SHOWN
        ? `Showing ${SHOWN} of ${TB.plural(order.length, "future")} (the CSV has them all).`
        : `${TB.plural(order.length, "future")}${order.length < data.scenario.length ? ` of ${data.scenario.length}` : ""}.`;
    };
    const csv = () => {
      const cols = columns();
      return TB.csv([["coalition", ...cols.map((c) => c.key)], ...visible.map((i) => [policy.value, ...cols.map((c) => c.values[i])])]);
    };
    for (const node of [policy, column, op]) node.addEventListener("change", draw);
    value.addEventListener("input", draw);
    draw();
    return el("section", { class: "result-block futures", "data-block": "futures" },
      el("div", { class: "chart-head" }, el("h2", { text: "Every future" }),
        el("div", { class: "downloads" }, el("button", { type: "button", class: "link", text: "CSV", id: "futures-csv",
          "aria-label": "Every future: download CSV", onclick: () => TB.download(`futures-${TB.slug(policy.value)}.csv`, csv()) }))),
      el("p", { class: "note", text: "One row per future: the final-year headline outcomes of the coalition chosen and the parameters sampled. Click a heading to sort." }),
      el("div", { class: "tools" }, el("label", { class: "label inline" }, "Coalition ", policy),
        el("span", { class: "label inline" }, "Only futures where ", column, op, value)),
      count, wrap);
  };
})(window.TB);
