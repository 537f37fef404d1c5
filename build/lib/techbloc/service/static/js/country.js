// techbloc dashboard: one country's page (indicators, derived inputs, frictions, hedging).
"use strict";

(function country(TB) {
  const { $, el, fmt } = TB;
  // The derived inputs the model reads for a partner, first; the rest follow.
  const KEY_INPUTS = ["protection_capability", "threat", "china_dependence", "hedging", "alignment", "us_defence_pact"];

  const sourceList = (items) => (items.length ? el("ul", { class: "sources" }, ...items.map((i) => el("li", {},
    el("code", { text: i.indicator }), ` = ${fmt.auto(i.value)} ${i.unit}`, i.year ? ` (${i.year})` : "", ` · ${i.source}`,
    i.note ? el("span", { class: "muted", text: ` · ${i.note}` }) : null))) : el("span", { class: "muted", text: "–" }));

  function inputsTable(detail, keys) {
    return el("table", { class: "grid-table inputs stack" },
      el("thead", {}, el("tr", {}, ...["input", "value", "how it is derived", "filled", "from"].map((t) => el("th", { text: t })))),
      el("tbody", {}, ...keys.filter((k) => detail.model_inputs[k]).map((k) => {
        const m = detail.model_inputs[k];
        return el("tr", { "data-input": k }, el("th", { scope: "row" }, k, el("span", { class: "unit", text: m.unit })),
          el("td", { "data-label": "value", text: k === "rd_year" ? String(m.value ?? "–") : fmt.auto(m.value) }),
          el("td", { "data-label": "derived", class: "small", text: m.rule }),
          el("td", { "data-label": "filled", class: m.filled ? "small warn" : "small muted", text: m.filled || "not filled" }),
          el("td", { "data-label": "from", class: "small" }, sourceList(m.sources)));
      })));
  }

  function willBlock(will) {
    if (!will) return el("p", { class: "muted", text: "The USA's own will is 1 by construction." });
    return el("div", {},
      el("p", {}, "Will to protect shared technology (E10) at the start: ", el("b", { text: fmt.num(2)(will.value) }),
        el("span", { class: "muted small", text: ` (${will.note})` })),
      el("div", { class: "table-scroll" }, el("table", { class: "grid-table" },
        el("thead", {}, el("tr", {}, ...["term", "weight (parameter)", "input", "contribution"].map((t) => el("th", { text: t })))),
        el("tbody", {}, ...will.terms.map((t) => el("tr", {}, el("td", { text: t.term }),
          el("td", {}, fmt.signed(2)(t.weight), el("span", { class: "unit", text: t.parameter })),
          el("td", { text: t.input === null ? "–" : fmt.num(3)(t.input) }), el("td", { text: fmt.signed(3)(t.contribution) })))))));
  }

  function frictions(detail) {
    if (!detail.frictions.length) return el("p", { class: "muted", text: "No cited bilateral friction." });
    return el("table", { class: "grid-table stack" },
      el("thead", {}, el("tr", {}, ...["partner", "friction (low–high)", "year", "reason", "source"].map((t) => el("th", { text: t })))),
      el("tbody", {}, ...detail.frictions.map((f) => el("tr", {},
        el("td", {}, el("a", { href: `/country/${f.partner}`, text: `${f.partner_name} (${f.partner})` })),
        el("td", { "data-label": "friction", text: `${f.default} (${f.low}–${f.high})` }), el("td", { "data-label": "year", text: f.event_year ?? "–" }),
        el("td", { "data-label": "reason", class: "small", text: f.reason }), el("td", { "data-label": "source", class: "small", text: f.source })))));
  }

  function indicators(detail) {
    const rows = [["indicator", "value", "unit", "year", "source", "note"],
      ...detail.indicators.map((i) => [i.indicator, i.value, i.unit, i.year, i.source, i.note])];
    const table = el("table", { class: "grid-table" },
      el("thead", {}, el("tr", {}, ...["indicator", "value", "unit", "year", "source"].map((t) => el("th", { text: t })))),
      el("tbody", {}, ...detail.indicators.map((i) => el("tr", {}, el("td", {}, el("code", { text: i.indicator })),
        el("td", { text: fmt.auto(i.value) }), el("td", { class: "small", text: i.unit }), el("td", { text: i.year ?? "–" }),
        el("td", { class: "small" }, i.source, i.note ? el("span", { class: "muted", text: ` · ${i.note}` }) : null)))));
    return el("div", {}, el("div", { class: "chart-head" }, el("p", { class: "note", text: `${detail.indicators.length} cited indicators.` }),
      el("div", { class: "downloads" }, el("button", { type: "button", class: "link", text: "CSV",
        onclick: () => TB.download(`${detail.iso3}-indicators.csv`, TB.csv(rows)) }))),
    el("div", { class: "table-scroll" }, table));
  }

  TB.initCountry = async function initCountry(code) {
    const list = await TB.api("/api/countries");
    const select = $("country-select");
    select.replaceChildren(...list.map((c) => el("option", { value: c.iso3, text: `${c.name} (${c.iso3})` })),
      el("option", { value: "ROW", text: "Rest of world (ROW)" }));
    select.value = code.toUpperCase();
    select.addEventListener("change", () => { window.location.href = `/country/${select.value}`; });
    let detail;
    try {
      detail = await TB.api(`/api/countries/${encodeURIComponent(code)}`);
    } catch (err) {
      TB.showError($("country-error"), err.message);
      return;
    }
    document.title = `${detail.name}: techbloc`;
    const hedging = detail.hedging
      ? el("p", {}, `Hedging motive ${detail.hedging.default} (range ${detail.hedging.low}–${detail.hedging.high}): ${detail.hedging.reason} `,
        el("span", { class: "muted small", text: `Source: ${detail.hedging.source}` }))
      : el("p", { class: "muted", text: "Not in the hedging table: 0 (assumption)." });
    $("country").replaceChildren(
      el("h2", { text: `${detail.name} (${detail.iso3})` }),
      el("p", {}, el("a", { href: `/?c=USA.${detail.iso3}`, text: `Build a coalition USA + ${detail.iso3}` })),
      el("section", { class: "result-block" }, el("h3", { text: "Will to protect" }), willBlock(detail.will)),
      el("section", { class: "result-block" }, el("h3", { text: "Hedging" }), hedging),
      el("section", { class: "result-block" }, el("h3", { text: "Frictions with other countries" }), el("div", { class: "table-scroll" }, frictions(detail))),
      el("section", { class: "result-block" }, el("h3", { text: "Derived model inputs: value, rule, fill, sources" }),
        el("div", { class: "table-scroll" }, inputsTable(detail, KEY_INPUTS.filter((k) => detail.model_inputs[k]))),
        el("details", {}, el("summary", { text: "Every other model input (R&D, GDP, growth, threat components, …)" }),
          el("div", { class: "table-scroll" }, inputsTable(detail, Object.keys(detail.model_inputs).filter((k) => !KEY_INPUTS.includes(k)))))),
      el("section", { class: "result-block" }, el("h3", { text: "Every indicator" }),
        el("details", {}, el("summary", { text: `${detail.indicators.length} cited indicators with value, unit, year and source` }), indicators(detail))));
  };
})(window.TB);
