// techbloc dashboard: vanilla JavaScript, talks only to this server's /api.
"use strict";

const SVG_NS = "http://www.w3.org/2000/svg"; // XML namespace name, never fetched

// Parameters given a slider (fixed when ticked, sampled over their range otherwise).
const KEY_PARAMETERS = [
  "denial", "indigenization", "base_leak_rate", "max_conversion",
  "friction_scale", "exit_probability",
];
// Levers given a slider: registry name -> request field.
const LEVER_FIELDS = { pool_share: "pool_share", control_stringency: "stringency" };
const DEFAULT_PRESETS = ["forging_core", "forging_core+KOR", "quad"];

const pct = (digits) => (v) => `${(100 * v).toFixed(digits)}%`;
const fixed = (digits) => (v) => v.toFixed(digits);
const signed = (v) => (v > 0 ? "+" : "") + v.toFixed(3);

// Charts shown, in order: outcome (or "backfire_share"), title, formatter.
const CHARTS = [
  { key: "alliance_rd_share", percent: true, title: "Alliance R&D share", fmt: pct(1),
    note: "Coalition share of world R&D flow" },
  { key: "leakage_to_china", title: "Leakage to China (PPP $bn/yr)", fmt: fixed(0),
    note: "Knowledge China absorbs through leakage, final year" },
  { key: "cohesion", percent: true, title: "Cohesion", fmt: pct(0),
    note: "Share of members whose membership margin is non-negative" },
  { key: "backfire_share", percent: true, title: "China stronger than status quo", fmt: pct(0),
    note: "Share of futures where China ends with more knowledge than under US-only controls" },
  { key: "power_ratio_china_coalition", title: "Power ratio China / coalition", fmt: fixed(2),
    note: "China's composite power / coalition composite power" },
];
// Rows of the table, with formatters (other outcomes are left out to keep it readable).
const TABLE_ROWS = [
  ["alliance_rd_share", pct(1)], ["alliance_knowledge_share", pct(1)],
  ["gap_capability", fixed(2)], ["leakage_to_china", fixed(0)],
  ["achieved_stringency", fixed(2)], ["exclusion", fixed(2)], ["cohesion", pct(0)],
  ["china_knowledge_vs_status_quo", signed], ["power_ratio_china_us", fixed(2)],
  ["power_ratio_china_coalition", fixed(2)], ["control_cost", fixed(3)],
  ["members_remaining", fixed(1)],
];

const $ = (id) => document.getElementById(id);
const customCoalitions = [];

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "text") node.textContent = v;
    else if (k === "class") node.className = v;
    else node.setAttribute(k, v);
  }
  for (const child of children) node.append(child);
  return node;
}

function svg(tag, attrs = {}, text) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}

async function api(path, body) {
  const options = body === undefined ? {} : {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  };
  let response;
  try {
    response = await fetch(path, options);
  } catch (err) {
    throw new Error(`cannot reach the techbloc server (${err.message})`);
  }
  const data = await response.json().catch(() => ({}));
  if (!response.ok) {
    const detail = typeof data.detail === "string" ? data.detail : JSON.stringify(data.detail);
    throw new Error(detail || `${response.status} ${response.statusText}`);
  }
  return data;
}

function showError(message) {
  const box = $("error");
  box.textContent = message;
  box.hidden = !message;
}

// -- controls ----------------------------------------------------------------------------
function stepFor(low, high) {
  const span = high - low;
  return span <= 1 ? 0.01 : span <= 10 ? 0.05 : 0.5;
}

function slider(item, { optional }) {
  const wrap = el("div", { class: "slider" });
  const value = el("span", { class: "value" });
  const range = el("input", {
    type: "range", min: item.low, max: item.high, step: stepFor(item.low, item.high),
    value: item.default, "aria-label": item.name,
  });
  range.dataset.name = item.name;
  const head = el("div", { class: "head" });
  let toggle = null;
  if (optional) {
    toggle = el("input", { type: "checkbox", "aria-label": `hold ${item.name} fixed` });
    head.append(el("label", { class: "name" }, toggle, ` ${item.name}`));
    range.disabled = true;
  } else {
    head.append(el("span", { class: "name", text: item.name }));
  }
  head.append(value);
  const update = () => {
    const held = !toggle || toggle.checked;
    range.disabled = !held;
    value.classList.toggle("varied", !held);
    value.textContent = held ? Number(range.value).toString()
      : `${item.low} – ${item.high}`;
  };
  range.addEventListener("input", update);
  if (toggle) toggle.addEventListener("change", update);
  update();
  wrap.append(head, range,
    el("div", { class: "desc", text: `${item.description} (${item.unit})` }));
  return { wrap, range, toggle };
}

const controls = { levers: [], params: [] };

function buildControls(registry, presets) {
  const presetBox = $("presets");
  presetBox.replaceChildren();
  for (const preset of presets) {
    const box = el("input", { type: "checkbox", value: preset.name });
    box.checked = DEFAULT_PRESETS.includes(preset.name);
    const label = el("label", { title: `${preset.member_names.join(", ")}\n\n${preset.source}` },
      box, preset.name);
    presetBox.append(label);
  }
  for (const lever of registry.levers) {
    if (!(lever.name in LEVER_FIELDS)) continue;
    const s = slider(lever, { optional: false });
    controls.levers.push(s);
    $("levers").append(s.wrap);
  }
  const byName = Object.fromEntries(registry.parameters.map((p) => [p.name, p]));
  for (const name of KEY_PARAMETERS) {
    if (!byName[name]) continue;
    const s = slider(byName[name], { optional: true });
    controls.params.push(s);
    $("params").append(s.wrap);
  }
}

function renderCustom() {
  const list = $("custom-list");
  list.replaceChildren();
  customCoalitions.forEach((codes, i) => {
    const remove = el("button", { type: "button", "aria-label": "remove", text: "×" });
    remove.addEventListener("click", () => { customCoalitions.splice(i, 1); renderCustom(); });
    list.append(el("li", {}, codes.join("+"), remove));
  });
}

function addCustom() {
  const input = $("custom-input");
  const codes = input.value.split(/[\s,;+]+/).map((c) => c.trim().toUpperCase()).filter(Boolean);
  if (!codes.length) return;
  customCoalitions.push(codes);
  input.value = "";
  renderCustom();
}

function request() {
  const body = {
    presets: [...document.querySelectorAll("#presets input:checked")].map((b) => b.value),
    coalitions: customCoalitions.slice(),
    scenarios: Number($("scenarios").value),
    seed: Number($("seed").value),
    end_year: Number($("end-year").value),
    set: {},
  };
  const pending = $("custom-input").value.trim();
  if (pending) {
    body.coalitions.push(pending.split(/[\s,;+]+/).filter(Boolean).map((c) => c.toUpperCase()));
  }
  for (const { range } of controls.levers) {
    body[LEVER_FIELDS[range.dataset.name]] = Number(range.value);
  }
  for (const { range, toggle } of controls.params) {
    if (toggle.checked) body.set[range.dataset.name] = Number(range.value);
  }
  return body;
}

// -- results -----------------------------------------------------------------------------
// Three to six round tick values covering [lo, hi].
function niceTicks(lo, hi) {
  if (hi - lo < 1e-12) hi = lo + 1;
  const raw = (hi - lo) / 3;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * power).find((s) => s >= raw);
  const ticks = [];
  for (let t = Math.floor(lo / step) * step; t < hi + step - 1e-9; t += step) {
    ticks.push(Math.abs(t) < step * 1e-9 ? 0 : Number(t.toPrecision(12)));
  }
  return ticks;
}

function chart(spec, result) {
  const policies = result.policies.map((p) => p.name);
  const rows = policies.map((name) => {
    if (spec.key === "backfire_share") {
      const v = result.backfire_share[name];
      return { name, median: v, p10: null, p90: null };
    }
    const s = (result.outcomes[name] || {})[spec.key] || {};
    return { name, median: s.median, p10: s.p10, p90: s.p90 };
  });
  const values = rows.flatMap((r) => [r.median, r.p10, r.p90])
    .filter((v) => v !== null && v !== undefined);
  const ticks = niceTicks(Math.min(0, ...values), Math.max(0, ...values));
  const lo = ticks[0], hi = ticks[ticks.length - 1];

  const labelW = 134, valueW = 46, width = 360, rowH = 24, top = 6, axisH = 16;
  const plotW = width - labelW - valueW - 8;
  const height = top + rows.length * rowH + axisH;
  const x = (v) => labelW + ((v - lo) / (hi - lo)) * plotW;
  const root = svg("svg", { viewBox: `0 0 ${width} ${height}`, role: "img",
    "aria-label": spec.title });

  const step = ticks.length > 1 ? ticks[1] - ticks[0] : 1;
  const scale = spec.percent ? 100 : 1;
  const digits = Math.max(0, -Math.floor(Math.log10(step * scale) + 1e-9));
  const tickText = (t) => (t * scale).toFixed(digits) + (spec.percent ? "%" : "");
  for (const t of ticks) {
    root.append(svg("line", { x1: x(t), x2: x(t), y1: top, y2: height - axisH, class: "grid" }));
    root.append(svg("text", { x: x(t), y: height - 4, "text-anchor": "middle", class: "tick" },
      tickText(t)));
  }
  root.append(svg("line", { x1: x(0), x2: x(0), y1: top, y2: height - axisH, class: "zero" }));

  rows.forEach((r, i) => {
    const y = top + i * rowH;
    const mid = y + rowH / 2;
    const name = r.name.length > 18 ? `${r.name.slice(0, 17)}…` : r.name;
    root.append(svg("text", { x: labelW - 6, y: mid + 4, "text-anchor": "end" }, name));
    if (r.median === null || r.median === undefined) return;
    const x0 = x(Math.min(0, r.median)), x1 = x(Math.max(0, r.median));
    const bar = svg("rect", { x: x0, y: y + 5, width: Math.max(1, x1 - x0), height: rowH - 10,
      class: "bar" });
    root.append(bar);
    const ranged = r.p10 !== null && r.p10 !== undefined && r.p90 !== null;
    if (ranged) {
      root.append(svg("line", { x1: x(r.p10), x2: x(r.p90), y1: mid, y2: mid,
        class: "whisker" }));
      for (const v of [r.p10, r.p90]) {
        root.append(svg("line", { x1: x(v), x2: x(v), y1: mid - 5, y2: mid + 5,
          class: "whisker" }));
      }
    }
    const tip = ranged
      ? `median ${spec.fmt(r.median)} [p10 ${spec.fmt(r.p10)}, p90 ${spec.fmt(r.p90)}]`
      : spec.fmt(r.median);
    bar.append(svg("title", {}, `${r.name}: ${tip}`));
    root.append(svg("text", { x: width - 2, y: mid + 4, "text-anchor": "end", class: "value" },
      spec.fmt(r.median)));
  });

  return el("figure", { class: "chart" },
    el("h3", { text: spec.title }),
    el("p", { text: spec.note
      + (spec.key === "backfire_share" ? "" : "; bar: median, whiskers: p10–p90") }),
    root);
}

function table(result) {
  const policies = result.policies.map((p) => p.name);
  const head = el("tr", {}, el("th", { text: "outcome (final year)" }),
    ...policies.map((p) => el("th", { text: p })));
  const body = el("tbody");
  const addRow = (label, unit, cells) => {
    body.append(el("tr", {}, el("td", {}, label, el("span", { class: "unit", text: unit })),
      ...cells));
  };
  for (const [key, fmt] of TABLE_ROWS) {
    const info = result.metrics[key];
    if (!info) continue;
    addRow(key, info.description, policies.map((p) => {
      const s = result.outcomes[p][key];
      if (!s || s.median === null) return el("td", { text: "–" });
      return el("td", {}, fmt(s.median),
        el("span", { class: "range", text: `[${fmt(s.p10)}, ${fmt(s.p90)}]` }));
    }));
  }
  addRow("backfire share", "share of futures with backlash > 0", policies.map((p) => {
    const v = result.backfire_share[p];
    return el("td", { text: v === null ? "–" : pct(0)(v) });
  }));
  return el("table", { class: "results" }, el("thead", {}, head), body);
}

function render(result) {
  $("empty").hidden = true;
  $("charts").replaceChildren(...CHARTS.map((spec) => chart(spec, result)));
  $("table-wrap").replaceChildren(table(result));
}

async function run(event) {
  if (event) event.preventDefault();
  const button = $("run");
  button.disabled = true;
  showError("");
  const body = request();
  $("status").textContent = `Running ${body.scenarios} futures…`;
  try {
    const result = await api("/api/evaluate", body);
    render(result);
    $("status").textContent = `${result.scenarios} futures, ${result.years[0]}–${result.years[1]}, `
      + `seed ${result.seed}: ${result.seconds.toFixed(1)} s`;
  } catch (err) {
    showError(err.message);
    $("status").textContent = "";
  } finally {
    button.disabled = false;
  }
}

async function init() {
  try {
    const [registry, presets] = await Promise.all([api("/api/parameters"), api("/api/presets")]);
    buildControls(registry, presets);
  } catch (err) {
    showError(err.message);
    return;
  }
  $("controls").addEventListener("submit", run);
  $("custom-add").addEventListener("click", addCustom);
  $("custom-input").addEventListener("keydown", (e) => {
    if (e.key === "Enter") { e.preventDefault(); addCustom(); }
  });
  // Links may pre-fill coalitions (?coalition=USA,JPN,KOR, repeatable) and run at once
  // (?autorun=1).
  const query = new URLSearchParams(window.location.search);
  for (const text of query.getAll("coalition")) {
    const codes = text.split(/[\s,;+]+/).filter(Boolean).map((c) => c.toUpperCase());
    if (codes.length) customCoalitions.push(codes);
  }
  renderCustom();
  if (query.get("autorun") === "1") run();
}

init();
