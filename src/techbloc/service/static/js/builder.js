// techbloc dashboard: the coalition builder (map, coalitions, levers, parameters, run).
"use strict";

(function builder(TB) {
  const { $, el, svg, fmt } = TB;
  const MAX_COALITIONS = 20;
  const BUDGET = 1000000;
  const DEFAULT_PRESETS = ["forging_core", "quad"];
  let setup, presets, countries, byCode, lastResult = null, lastOrder = [], current = null;

  // -- state ------------------------------------------------------------------------------
  function changed({ map = true, cards = true, levers = false } = {}) {
    TB.assignColours(setup.coalitions);
    if (map) paintMap();
    if (cards) renderCoalitions();
    if (levers) renderCapacity();
    const query = TB.encodeSetup(setup, presets);
    history.replaceState(null, "", `/?${query}`);
    try { localStorage.setItem("techbloc.setup", query); } catch (err) { /* private mode */ }
    checkSetup(false);
  }

  function activeCoalition() {
    if (!setup.coalitions.length) {
      setup.coalitions.push({ members: [TB.ANCHOR] });
      setup.active = 0;
    }
    setup.active = Math.min(setup.active, setup.coalitions.length - 1);
    return setup.coalitions[setup.active];
  }

  function toggleCountry(code) {
    const note = $("search-hint");
    if (code === TB.RIVAL) { note.textContent = "China is the rival: it cannot be a member."; return; }
    if (code === TB.ANCHOR) { note.textContent = "The USA is in every coalition."; return; }
    const c = activeCoalition();
    const i = c.members.indexOf(code);
    if (i >= 0) c.members.splice(i, 1); else c.members.push(code);
    // a preset whose members change is a coalition of its own, but keeps its name (and
    // remembers where it came from; the name stays editable)
    const from = c.preset || c.from;
    const preset = from && presets.find((p) => p.name === from);
    if (preset && TB.sameMembers(preset.members, c.members)) { c.preset = from; delete c.from; }
    else if (preset) { c.from = from; delete c.preset; }
    note.textContent = `${byCode[code].name} ${i >= 0 ? "removed from" : "added to"} ${TB.coalitionLabel(c)}.`;
    changed({ levers: true });
  }

  // -- map --------------------------------------------------------------------------------
  const COLOUR_MODES = [
    ["membership", "membership (selected coalition)"],
    ["rd", "R&D (GERD, PPP $bn, log scale)"],
    ["gdp", "GDP (PPP $bn, log scale)"],
    ["alignment", "UN alignment with the US (0-1)"],
    ["protection_capability", "protection capability (0-1)"],
    ["threat", "threat from China (0-1)"],
    ["china_dependence", "trade dependence on China (0-1)"],
    ["hedging", "hedging motive (0-1)"],
    ["will", "will to protect (last run, 0-1)"],
    ["protection", "protection = capability × will (last run)"],
  ];

  const OTHER = "#aab4c0", CANDIDATE = "#dde5ee";

  function ramp(t) {
    const a = [232, 240, 248], b = [8, 48, 107];
    const c = a.map((x, i) => Math.round(x + (b[i] - x) * Math.max(0, Math.min(1, t))));
    return `rgb(${c.join(",")})`;
  }

  function renderMap(geometry) {
    const root = svg("svg", { viewBox: `0 0 ${geometry.width} ${geometry.height}`, role: "group",
      "aria-label": "World map of candidate countries" });
    const dots = [];
    for (const shape of geometry.countries) {
      if (!shape.iso3 || !byCode[shape.iso3]) {
        root.append(svg("path", { d: shape.d, class: "land" }));
        continue;
      }
      const path = svg("path", { d: shape.d, class: "cand", "data-iso3": shape.iso3, tabindex: 0,
        role: "button", "aria-label": shape.name });
      path.append(svg("title", {}, `${shape.name} (${shape.iso3})`));
      root.append(path);
      if (shape.small) {
        const dot = svg("circle", { cx: shape.cx, cy: shape.cy, r: 5, class: "cand dot", "data-iso3": shape.iso3,
          tabindex: 0, role: "button", "aria-label": shape.name });
        dot.append(svg("title", {}, `${shape.name} (${shape.iso3})`));
        dots.push(dot);
      }
    }
    for (const dot of dots) root.append(dot);
    const zoom = (name) => {
      const view = geometry.views[name];
      root.setAttribute("viewBox", view.join(" "));
      const r = Math.max(1.6, 5 * (view[2] / geometry.width));
      for (const dot of dots) dot.setAttribute("r", r.toFixed(2));
      for (const b of document.querySelectorAll("#map-views button")) b.setAttribute("aria-pressed", String(b.dataset.view === name));
    };
    $("map-views").replaceChildren(...Object.keys(geometry.views || {}).map((name) => el("button", {
      type: "button", class: "view", text: name, "data-view": name, "aria-pressed": String(name === "World"),
      onclick: () => zoom(name) })));
    root.addEventListener("click", (e) => {
      const code = e.target.closest("[data-iso3]")?.dataset.iso3;
      if (code) toggleCountry(code);
    });
    root.addEventListener("keydown", (e) => {
      const code = e.target.closest("[data-iso3]")?.dataset.iso3;
      if (code && (e.key === "Enter" || e.key === " ")) { e.preventDefault(); toggleCountry(code); }
    });
    $("map").replaceChildren(root);
  }

  function colourValues(mode) {
    if (mode === "will" || mode === "protection") {
      if (!lastResult || !lastResult.countries) return null;
      const i = lastOrder.indexOf(setup.coalitions[setup.active]);
      const name = lastResult.policies[Math.max(0, i)].name;
      return (lastResult.countries[name] || {})[mode] || null;
    }
    return Object.fromEntries(countries.map((c) => [c.iso3, c[mode]]));
  }

  function paintMap() {
    const mode = $("map-colour").value;
    const active = new Set(activeCoalition().members);
    const other = new Set(setup.coalitions.filter((c, i) => i !== setup.active).flatMap((c) => c.members));
    const values = mode === "membership" ? null : colourValues(mode);
    const log = mode === "rd" || mode === "gdp";
    let lo = Infinity, hi = -Infinity;
    const scaled = {};
    if (values) {
      for (const [code, v] of Object.entries(values)) {
        if (v === null || v === undefined || code === TB.RIVAL) continue;
        const x = log ? Math.log10(Math.max(v, 1e-3)) : v;
        scaled[code] = x; lo = Math.min(lo, x); hi = Math.max(hi, x);
      }
    }
    const own = TB.coalitionColour(activeCoalition());
    for (const node of document.querySelectorAll("#map [data-iso3]")) {
      const code = node.dataset.iso3;
      node.classList.toggle("member", active.has(code));
      node.classList.toggle("rival", code === TB.RIVAL);
      let fill;
      if (code === TB.RIVAL) fill = TB.RIVAL_COLOUR;
      else if (!values) fill = active.has(code) ? own : other.has(code) ? OTHER : CANDIDATE;
      else fill = code in scaled ? ramp((scaled[code] - lo) / Math.max(1e-12, hi - lo)) : "#f4f4f4";
      node.style.fill = fill;
    }
    const legend = $("map-legend");
    if (!values) {
      legend.replaceChildren(...[[own, `selected coalition (${TB.coalitionLabel(activeCoalition())})`],
        [OTHER, "in another coalition"], [CANDIDATE, "candidate"], [TB.RIVAL_COLOUR, "China (rival)"],
        ["#e8e8e8", "not modelled"]]
        .map(([c, t]) => el("span", {}, el("span", { class: "swatch", style: `background:${c}` }), t)));
    } else if (lo === Infinity) {
      legend.replaceChildren(el("span", { class: "muted", text: "Run first: this colouring shows the last run's medians." }));
    } else {
      const show = (x) => fmt.auto(log ? 10 ** x : x);
      legend.replaceChildren(el("span", { text: show(lo) }), el("span", { class: "gradient" }), el("span", { text: show(hi) }),
        el("span", { class: "muted", text: " · outlined: selected coalition" }));
    }
  }

  // -- coalitions -------------------------------------------------------------------------
  function renderPresets() {
    $("presets").replaceChildren(...presets.map((p) => el("button", {
      type: "button", class: "preset", text: p.name, "data-preset": p.name,
      title: `${p.member_names.join(", ")}\n\nSource: ${p.source || "–"}${p.certainty ? ` (${p.certainty})` : ""}`,
      onclick: () => addCoalition({ preset: p.name, name: p.name, members: p.members.slice() }),
    })));
  }

  function addCoalition(c) {
    if (setup.coalitions.length >= MAX_COALITIONS) {
      TB.showError($("form-error"), `At most ${MAX_COALITIONS} coalitions can be compared at once.`);
      return;
    }
    setup.coalitions.push(c);
    setup.active = setup.coalitions.length - 1;
    changed({ levers: true });
  }

  function renderCoalitions() {
    const box = $("coalitions");
    box.replaceChildren(...setup.coalitions.map((c, i) => {
      const radio = el("input", { type: "radio", name: "active-coalition", "aria-label": `edit ${TB.coalitionLabel(c)} on the map` });
      const name = el("input", { type: "text", class: "coalition-name", value: TB.coalitionLabel(c),
        "aria-label": `name of coalition ${i + 1}`, title: "Click to rename", maxlength: 60 });
      name.addEventListener("change", () => {
        const text = name.value.trim();
        if (text) c.name = text; else delete c.name;
        if (c.preset && c.name !== c.preset) { c.from = c.preset; delete c.preset; }
        changed({ map: false });
      });
      radio.checked = i === setup.active;
      radio.addEventListener("change", () => { setup.active = i; changed({ cards: false }); renderCoalitions(); });
      const chips = c.members.map((code) => el("li", {},
        el("a", { href: `/country/${code}`, text: code, title: byCode[code] ? byCode[code].name : code }),
        code === TB.ANCHOR ? null : el("button", { type: "button", class: "x", text: "×", "aria-label": `remove ${code}`,
          onclick: () => { setup.active = i; toggleCountry(code); } })));
      const from = c.from ? el("span", { class: "muted small coalition-from", text: `from preset ${c.from}, members changed` }) : null;
      return el("div", { class: i === setup.active ? "coalition active" : "coalition", "data-index": i,
        style: `--coalition:${TB.coalitionColour(c)}` },
        el("div", { class: "coalition-head" },
          el("span", { class: "coalition-title" }, el("label", {}, radio, el("span", { class: "swatch", style: `background:${TB.coalitionColour(c)}` })),
            name, el("span", { class: "muted small", text: ` ${TB.plural(c.members.length, "member")}` })),
          el("span", { class: "coalition-tools" },
            el("button", { type: "button", class: "link", text: "copy", onclick: () => addCoalition(c.name ? { members: c.members.slice(), name: `${c.name} (copy)` } : { members: c.members.slice() }) }),
            el("button", { type: "button", class: "link", text: "remove", "aria-label": `remove coalition ${TB.coalitionLabel(c)}`,
              onclick: () => { setup.coalitions.splice(i, 1); setup.active = Math.max(0, setup.active - (i <= setup.active ? 1 : 0)); changed({ levers: true }); } }))),
        from, el("ul", { class: "chips" }, ...chips));
    }));
    if (!setup.coalitions.length) box.append(el("p", { class: "muted small", text: "No coalition yet: click a preset or a country." }));
  }

  // -- country search with validation as you type -----------------------------------------
  function distance(a, b) {
    const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array(b.length).fill(0)]);
    for (let j = 1; j <= b.length; j += 1) d[0][j] = j;
    for (let i = 1; i <= a.length; i += 1) {
      for (let j = 1; j <= b.length; j += 1) {
        d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
      }
    }
    return d[a.length][b.length];
  }

  function lookup(text) {
    const t = text.trim();
    if (!t) return { code: null, suggestions: [] };
    const upper = t.toUpperCase(), lower = t.toLowerCase();
    if (byCode[upper]) return { code: upper, suggestions: [] };
    const exact = countries.find((c) => c.name.toLowerCase() === lower);
    if (exact) return { code: exact.iso3, suggestions: [] };
    let hits = countries.filter((c) => c.name.toLowerCase().includes(lower) || c.iso3.startsWith(upper));
    if (!hits.length) {
      hits = countries.map((c) => [Math.min(distance(upper, c.iso3), distance(lower, c.name.toLowerCase().slice(0, lower.length))), c])
        .sort((a, b) => a[0] - b[0]).slice(0, 3).map(([, c]) => c);
      return { code: null, unknown: true, suggestions: hits };
    }
    return { code: hits.length === 1 ? hits[0].iso3 : null, suggestions: hits.slice(0, 6) };
  }

  function searchChanged() {
    const input = $("country-search"), hint = $("search-hint");
    const { code, unknown, suggestions } = lookup(input.value);
    $("country-add").disabled = !code;
    input.setAttribute("aria-invalid", unknown ? "true" : "false");
    hint.className = unknown ? "hint small bad" : "hint small";
    const pick = (c) => el("button", { type: "button", class: "link", text: `${c.name} (${c.iso3})`,
      onclick: () => { input.value = c.iso3; searchChanged(); addFromSearch(); } });
    if (!input.value.trim()) hint.textContent = "";
    else if (code) hint.replaceChildren(`${byCode[code].name} (${code}): press Enter or Add.`);
    else if (unknown) hint.replaceChildren(`“${input.value.trim()}” is not a candidate country.`, suggestions.length ? " Did you mean " : "",
      ...suggestions.flatMap((c, i) => [i ? ", " : "", pick(c)]), suggestions.length ? "?" : "");
    else hint.replaceChildren("Matches: ", ...suggestions.flatMap((c, i) => [i ? ", " : "", pick(c)]));
  }

  function addFromSearch() {
    const input = $("country-search");
    const { code } = lookup(input.value);
    if (!code) { searchChanged(); return; }
    const c = activeCoalition();
    if (c.members.includes(code) && code !== TB.ANCHOR) { $("search-hint").textContent = `${code} is already in ${TB.coalitionLabel(c)}.`; return; }
    input.value = "";
    toggleCountry(code);
  }

  // -- levers and parameters --------------------------------------------------------------
  function stepFor(low, high) {
    const span = high - low;
    return span <= 1 ? 0.01 : span <= 10 ? 0.05 : span <= 100 ? 0.5 : 1;
  }

  // A slider with a number box; ``onchange(value)`` gets numbers within [low, high].
  function slider({ id, low, high, value, onchange, label }) {
    const step = stepFor(low, high);
    const range = el("input", { type: "range", min: low, max: high, step, value, id, "aria-label": label });
    const box = el("input", { type: "number", min: low, max: high, step, value, class: "num", "aria-label": `${label} value` });
    const set = (v, from) => {
      let n = Number(v);
      if (!Number.isFinite(n)) return;
      n = Math.min(high, Math.max(low, n));
      if (from !== range) range.value = n;
      if (from !== box) box.value = n;
      onchange(n);
    };
    range.addEventListener("input", () => set(range.value, range));
    box.addEventListener("change", () => set(box.value, box));
    return { node: el("div", { class: "slider-row" }, range, box), range, box, set };
  }

  function renderLevers() {
    const pool = TB.lever("pool_share"), str = TB.lever("control_stringency");
    const poolRow = slider({ id: "lever-pool_share", low: pool.low, high: pool.high, label: "pool share",
      value: setup.pool_share ?? pool.default, onchange: (v) => { setup.pool_share = v; changed({ map: false, cards: false }); } });
    const strRow = slider({ id: "lever-control_stringency", low: str.low, high: str.high, label: "stringency, every domain",
      value: setup.stringency ?? str.default, onchange: (v) => { setup.stringency = v; changed({ map: false, cards: false }); } });
    const lever = (item, row, extra) => el("div", { class: "control" },
      el("div", { class: "control-head" }, el("b", { text: item.name }), el("span", { class: "muted small", text: ` ${item.mechanism} · per ${item.per}` })),
      row.node, el("p", { class: "desc", text: `${item.description}. Range ${item.low}–${item.high} (${item.unit}); source: ${item.source}.` }), extra);
    const domains = TB.registry.domains.map((d) => {
      const own = el("input", { type: "checkbox", "aria-label": `own stringency for ${d.label}` });
      own.checked = d.name in setup.stringencyByDomain;
      const row = slider({ id: `lever-stringency-${d.name}`, low: str.low, high: str.high, label: `stringency, ${d.label}`,
        value: setup.stringencyByDomain[d.name] ?? setup.stringency ?? str.default,
        onchange: (v) => { own.checked = true; setup.stringencyByDomain[d.name] = v; changed({ map: false, cards: false }); } });
      own.addEventListener("change", () => {
        if (own.checked) setup.stringencyByDomain[d.name] = Number(row.range.value);
        else delete setup.stringencyByDomain[d.name];
        changed({ map: false, cards: false });
      });
      return el("div", { class: "sub" }, el("label", { class: "small" }, own, ` ${d.label}`), row.node);
    });
    const perDomain = el("details", { open: Object.keys(setup.stringencyByDomain).length ? true : undefined },
      el("summary", { text: "Per domain (ticked domains use their own value)" }), ...domains);
    const cb = TB.lever("capacity_building");
    $("levers").replaceChildren(lever(pool, poolRow), lever(str, strRow, perDomain),
      el("div", { class: "control" }, el("div", { class: "control-head" }, el("b", { text: cb.name }),
        el("span", { class: "muted small", text: ` ${cb.mechanism} · per ${cb.per}` })),
      el("p", { class: "desc", text: `${cb.description}. Range ${cb.low}–${cb.high} (${cb.unit}); source: ${cb.source}. Applied in every coalition the country is in.` }),
      el("details", { id: "capacity", open: Object.keys(setup.capacity).length ? true : undefined },
        el("summary", { text: "Per member" }), el("div", { id: "capacity-rows" }))));
    renderCapacity();
  }

  function renderCapacity() {
    const box = $("capacity-rows");
    if (!box) return;
    const cb = TB.lever("capacity_building");
    const members = [...new Set(setup.coalitions.flatMap((c) => c.members))].filter((c) => c !== TB.ANCHOR);
    box.replaceChildren(...(members.length ? members.map((code) => el("div", { class: "sub" },
      el("span", { class: "small", text: `${byCode[code] ? byCode[code].name : code} (${code})` }),
      slider({ id: `capacity-${code}`, low: cb.low, high: cb.high, value: setup.capacity[code] ?? cb.default, label: `capacity building, ${code}`,
        onchange: (v) => { if (v > 0) setup.capacity[code] = v; else delete setup.capacity[code]; changed({ map: false, cards: false }); } }).node))
      : [el("p", { class: "muted small", text: "Add members to coalitions first." })]));
  }

  function defaultMode(p) {
    return p.sampled_by_default && p.distribution !== "fixed" && p.high > p.low ? "sampled" : "held";
  }

  function renderParameters() {
    const reg = TB.registry;
    const row = (p) => {
      const mode = el("select", { "aria-label": `${p.name}: sampled or held`, "data-param": p.name },
        el("option", { value: "sampled", text: "sampled" }), el("option", { value: "held", text: "held at" }));
      const uncertain = p.distribution !== "fixed" && p.high > p.low;
      if (!uncertain) mode.disabled = true;
      const held = p.name in setup.held;
      const sampled = !held && (setup.vary.includes(p.name) || defaultMode(p) === "sampled");
      mode.value = sampled ? "sampled" : "held";
      const control = slider({ id: `param-${p.name}`, low: p.low, high: p.high, label: p.name,
        value: setup.held[p.name] ?? p.default, onchange: (v) => {
          mode.value = "held";
          if (defaultMode(p) === "held" && v === p.default) delete setup.held[p.name]; else setup.held[p.name] = v;
          setup.vary = setup.vary.filter((n) => n !== p.name);
          update();
        } });
      const update = () => {
        const isSampled = mode.value === "sampled";
        control.node.classList.toggle("off", isSampled);
        changed({ map: false, cards: false });
      };
      mode.addEventListener("change", () => {
        if (mode.value === "sampled") {
          delete setup.held[p.name];
          if (defaultMode(p) !== "sampled" && !setup.vary.includes(p.name)) setup.vary.push(p.name);
        } else {
          setup.vary = setup.vary.filter((n) => n !== p.name);
          const v = Number(control.range.value);
          if (defaultMode(p) === "sampled" || v !== p.default) setup.held[p.name] = v;
        }
        update();
      });
      control.node.classList.toggle("off", sampled);
      const scale = p.distribution === "loguniform" ? ", log-uniform" : "";
      return el("div", { class: "control param", "data-name": p.name },
        el("div", { class: "control-head" }, el("b", { text: p.name }), mode),
        control.node,
        el("p", { class: "desc" }, `${p.description}. Range ${p.low}–${p.high} ${p.unit}${scale}; default ${p.default}`,
          p.sampled_by_default ? "" : " (held unless you sample it)", "."),
        el("p", { class: "source" }, `Source: ${p.source}`));
    };
    const byName = Object.fromEntries(reg.parameters.map((p) => [p.name, p]));
    const wide = window.innerWidth > 980;
    const groups = [el("details", { open: wide ? true : undefined, class: "group" }, el("summary", { text: `Most used (${reg.common.length})` }),
      ...reg.common.map((n) => row(byName[n])))];
    const order = Object.keys(reg.mechanisms);
    const first = (m) => m.split(",")[0];
    const mechanisms = [...new Set(reg.parameters.map((p) => first(p.mechanism)))]
      .sort((a, b) => order.indexOf(a) - order.indexOf(b));
    for (const m of mechanisms) {
      const members = reg.parameters.filter((p) => first(p.mechanism) === m && !reg.common.includes(p.name));
      if (!members.length) continue;
      const changedHere = members.some((p) => p.name in setup.held || setup.vary.includes(p.name));
      groups.push(el("details", { class: "group", open: changedHere ? true : undefined },
        el("summary", { text: `${m} ${reg.mechanisms[m] || ""} (${members.length})` }), ...members.map(row)));
    }
    $("params").replaceChildren(...groups);
  }

  function renderFutures() {
    const bind = (id, key) => {
      const input = $(id);
      input.value = setup[key];
      input.addEventListener("change", () => { setup[key] = Math.round(Number(input.value)); changed({ map: false, cards: false }); });
    };
    bind("scenarios", "scenarios"); bind("seed", "seed"); bind("start-year", "start_year"); bind("end-year", "end_year");
    const prior = $("prior");
    prior.value = setup.prior;
    prior.addEventListener("change", () => { setup.prior = prior.value; changed({ map: false, cards: false }); });
  }

  // -- checks before a run ----------------------------------------------------------------
  function problems() {
    const out = [];
    if (!setup.coalitions.length) out.push("Add at least one coalition (a preset, or countries on the map).");
    const seen = new Map();
    setup.coalitions.forEach((c, i) => {
      const key = [...c.members].sort().join(",");
      if (seen.has(key)) out.push(`Coalitions ${seen.get(key) + 1} and ${i + 1} have the same members.`);
      seen.set(key, i);
      const unknown = c.members.filter((m) => !byCode[m]);
      if (unknown.length) out.push(`Unknown country code(s) in coalition ${i + 1}: ${unknown.join(", ")}.`);
    });
    const names = new Map();
    setup.coalitions.forEach((c, i) => {
      const label = TB.coalitionLabel(c);
      if (names.has(label)) out.push(`Coalitions ${names.get(label) + 1} and ${i + 1} have the same name (${label}): rename one.`);
      names.set(label, i);
    });
    if (setup.coalitions.length > MAX_COALITIONS) out.push(`At most ${MAX_COALITIONS} coalitions.`);
    if (!(setup.scenarios >= 1 && setup.scenarios <= 5000)) out.push("Futures: between 1 and 5,000 (run a study for more).");
    if (setup.prior === "history" && setup.scenarios > TB.registry.history_futures) out.push(`History-consistent futures: at most ${TB.registry.history_futures.toLocaleString("en")} (the calibrated set holds that many); choose the wide prior for more.`);
    if (setup.prior === "history" && setup.vary.length) out.push(`History-consistent futures are the calibrated set's: sampling ${setup.vary.join(", ")} applies to the wide prior only.`);
    if (!(setup.end_year > setup.start_year)) out.push("The last year must be after the first year.");
    const years = setup.end_year - setup.start_year + 1;
    const work = setup.scenarios * Math.max(1, setup.coalitions.length) * years;
    if (work > BUDGET) out.push(`Too large for one run: ${TB.plural(setup.scenarios, "future")} × ${TB.plural(setup.coalitions.length, "coalition")} × ${TB.plural(years, "year")} = ${work.toLocaleString("en")} (limit ${BUDGET.toLocaleString("en")}). Use fewer futures, or start it as a study.`);
    return out;
  }

  function checkSetup(show) {
    const list = problems();
    const box = $("form-error");
    if (show || !box.hidden) TB.showError(box, list.join(" "));
    return list.length === 0;
  }

  // -- running ----------------------------------------------------------------------------
  function progressText(state) {
    if (state.status === "queued") return "Waiting for the evaluation worker…";
    const parts = state.parts_total ? `part ${state.parts_done} of ${state.parts_total}` : "starting";
    const rate = state.rate ? ` · ${Math.round(state.rate)} futures/s` : "";
    const eta = state.eta_seconds !== null && state.eta_seconds !== undefined ? ` · about ${fmt.seconds(state.eta_seconds)} left` : "";
    return `Running ${TB.plural(state.scenarios, "future")} × ${TB.plural(state.coalitions, "coalition")}: ${parts}${rate}${eta}`;
  }

  async function run(event) {
    if (event) event.preventDefault();
    if (!checkSetup(true)) return;
    const { body, labels, order } = TB.requestFromSetup(setup, presets);
    TB.showError($("error"), "");
    $("run").disabled = true;
    $("empty").hidden = true;
    const box = $("progress");
    try {
      let state = await TB.api("/api/evaluations", { body });
      current = state.id;
      box.hidden = false;
      while (state.status === "queued" || state.status === "running") {
        $("progress-bar").style.width = `${Math.round(100 * state.progress)}%`;
        $("progress-text").textContent = progressText(state);
        await new Promise((r) => setTimeout(r, 300));
        state = await TB.api(`/api/evaluations/${state.id}`);
      }
      if (state.status === "cancelled") {
        $("progress-text").textContent = "Cancelled.";
        $("empty").hidden = $("results").childElementCount > 0;
        setTimeout(() => { box.hidden = true; }, 1500);
        return;
      }
      if (state.status !== "done") throw new Error(state.error || `evaluation ${state.status}`);
      const result = await TB.api(state.result_url);
      box.hidden = true;
      // the server evaluates presets first: show the coalitions in the builder's order
      const at = order.map((c) => setup.coalitions.indexOf(c));
      const perm = order.map((c, j) => j).sort((a, b) => at[a] - at[b]);
      result.policies = perm.map((j) => result.policies[j]);
      lastResult = result; lastOrder = perm.map((j) => order[j]);
      $("empty").hidden = true;
      const runId = state.id;
      TB.renderResults($("results"), result, perm.map((j) => labels[j]), {
        colours: lastOrder.map((c) => TB.coalitionColour(c)),
        importance: (policy, outcome) => `/api/evaluations/${runId}/importance?${new URLSearchParams({ policy, outcome })}`,
      });
      const summary = el("p", { class: "small muted run-summary", text: `${TB.plural(result.scenarios, "future")} (${result.prior === "history" ? "history-consistent" : "wide prior"}), ${result.years[0]}–${result.years[1]}, seed ${result.seed}, ${TB.plural(result.policies.length, "coalition")}: ${result.seconds.toFixed(1)} s.` });
      $("results").prepend(summary);
      paintMap();
      const top = $("results").getBoundingClientRect().top;
      if (top > window.innerHeight || top < 0) $("results").scrollIntoView({ behavior: "smooth", block: "start" });
    } catch (err) {
      box.hidden = true;
      lastResult = null;
      $("results").replaceChildren();
      $("empty").hidden = false;
      TB.showError($("error"), `The run failed: ${err.message}`);
    } finally {
      current = null;
      $("run").disabled = false;
    }
  }

  async function cancel() {
    if (!current) return;
    $("progress-text").textContent = "Cancelling…";
    await TB.api(`/api/evaluations/${current}`, { method: "DELETE" }).catch(() => null);
  }

  // A study from the current setup, as POST /api/studies takes it.
  TB.studyFromSetup = function studyFromSetup(s, name, scenarios) {
    const { body } = TB.requestFromSetup(s, presets || TB.presets);
    const byName = Object.fromEntries((presets || TB.presets).map((p) => [p.name, p]));
    // in the builder's order, each with the name it shows (presets by name while unchanged)
    const policies = s.coalitions.map((c) => {
      const preset = c.preset && byName[c.preset];
      if (preset && TB.sameMembers(preset.members, c.members)) return c.name && c.name !== c.preset ? { name: c.name, preset: c.preset } : { preset: c.preset };
      return c.name ? { name: c.name, members: c.members.slice() } : { members: c.members.slice() };
    });
    const study = { name, policies, scenarios, seed: s.seed, years: { start: s.start_year, end: s.end_year }, set: body.set };
    if (s.prior === "history") study.design = { method: "calibrated", set: "history" };
    for (const p of policies) {
      const members = p.members || (TB.presets.find((x) => x.name === p.preset) || { members: [] }).members;
      if (body.pool_share !== undefined) p.pool_share = body.pool_share;
      if (body.stringency !== undefined) p.control_stringency = body.stringency;
      const cb = Object.entries(body.capacity_building || {}).filter(([c]) => members.includes(c));
      if (cb.length) p.capacity_building = Object.fromEntries(cb);
    }
    if (body.vary.length) {
      const sampled = TB.registry.parameters.filter((p) => defaultMode(p) === "sampled" && !(p.name in body.set)).map((p) => p.name);
      study.vary = [...sampled, ...body.vary];
    }
    return study;
  };

  // Open the study form with this setup filled in: nothing starts until it is confirmed there.
  function startStudy() {
    if (!checkSetup(true)) return;
    window.location.href = `/studies?${TB.encodeSetup(setup, presets)}#start`;
  }

  async function share() {
    const url = `${window.location.origin}/?${TB.encodeSetup(setup, presets)}`;
    const note = $("share-note");
    try {
      await navigator.clipboard.writeText(url);
      note.replaceChildren("Link copied: ", el("a", { href: url, text: "open it", id: "share-link" }), ".");
    } catch (err) {
      note.replaceChildren("Copy this link: ", el("a", { href: url, text: url, id: "share-link" }));
    }
  }

  TB.initBuilder = async function initBuilder() {
    const autorun = new URLSearchParams(window.location.search).get("autorun") === "1";
    const [registry, presetList, countryList, geometry] = await Promise.all([
      TB.api("/api/parameters"), TB.api("/api/presets"), TB.api("/api/countries"), TB.api("/static/map/world.json")]);
    TB.registry = registry; TB.presets = presets = presetList;
    countries = countryList.filter((c) => c.iso3 !== "ROW");
    byCode = Object.fromEntries(countries.map((c) => [c.iso3, c]));
    setup = TB.decodeSetup(window.location.search, presets);
    if (!setup) {
      setup = TB.defaultSetup();
      for (const name of DEFAULT_PRESETS) {
        const p = presets.find((x) => x.name === name);
        if (p) setup.coalitions.push({ preset: name, name, members: p.members.slice() });
      }
    }
    $("map-colour").replaceChildren(...COLOUR_MODES.map(([v, t]) => el("option", { value: v, text: t })));
    $("map-colour").addEventListener("change", paintMap);
    $("country-options").replaceChildren(...countries.map((c) => el("option", { value: c.iso3, label: c.name })));
    renderMap(geometry);
    renderPresets();
    renderLevers();
    renderParameters();
    renderFutures();
    changed({ levers: true });
    $("country-search").addEventListener("input", searchChanged);
    $("country-search").addEventListener("keydown", (e) => { if (e.key === "Enter") { e.preventDefault(); addFromSearch(); } });
    $("country-add").addEventListener("click", addFromSearch);
    $("country-add").disabled = true;
    $("coalition-new").addEventListener("click", () => addCoalition({ members: [TB.ANCHOR] }));
    $("controls").addEventListener("submit", run);
    $("cancel").addEventListener("click", cancel);
    $("as-study").addEventListener("click", startStudy);
    $("share").addEventListener("click", share);
    if (autorun) run();
  };
})(window.TB);
