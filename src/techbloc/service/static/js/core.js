// techbloc dashboard, shared helpers: DOM, API calls, formatting, the setup and its link.
// Vanilla JavaScript; talks only to this server's /api. Loaded first; defines window.TB.
"use strict";

const TB = (window.TB = {});
TB.SVG_NS = "http://www.w3.org/2000/svg"; // XML namespace name, never fetched

TB.$ = (id) => document.getElementById(id);

TB.el = function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "text") node.textContent = v;
    else if (k === "class") node.className = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? "" : v);
  }
  for (const child of children) {
    if (child !== null && child !== undefined) node.append(child);
  }
  return node;
};

TB.svg = function svg(tag, attrs = {}, text) {
  const node = document.createElementNS(TB.SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
};

// Server messages are written for every client; drop the command-line hints a web user
// cannot follow ("see `techbloc params`", "run `techbloc explore`").
TB.webMessage = function webMessage(text) {
  return String(text)
    .replace(/[;,]?\s*(see|run( larger studies with)?|with)\s+`techbloc [^`]*`( for such studies)?/g, "")
    .replace(/\s+\)/g, ")");
};

TB.api = async function api(path, { body, method, text, raw } = {}) {
  const options = { method: method || (body === undefined && text === undefined ? "GET" : "POST") };
  if (body !== undefined) {
    options.headers = { "Content-Type": "application/json" };
    options.body = JSON.stringify(body);
  } else if (text !== undefined) {
    options.headers = { "Content-Type": "application/yaml" };
    options.body = text;
  }
  let response;
  try {
    response = await fetch(path, options);
  } catch (err) {
    throw new Error(`cannot reach the techbloc server (${err.message})`);
  }
  if (raw) return response;
  if (response.status === 204) return null;
  const data = await response.json().catch(() => ({}));
  if (!response.ok) {
    const detail = typeof data.detail === "string" ? data.detail : JSON.stringify(data.detail);
    const error = new Error(TB.webMessage(detail || `${response.status} ${response.statusText}`));
    error.status = response.status;
    throw error;
  }
  return data;
};

TB.showError = function showError(box, message) {
  box.textContent = message ? TB.webMessage(message) : "";
  box.hidden = !message;
};

// -- formatting --------------------------------------------------------------------------
TB.fmt = {
  pct: (digits = 0) => (v) => (v === null || v === undefined ? "–" : `${(100 * v).toFixed(digits)}%`),
  num: (digits = 2) => (v) => (v === null || v === undefined ? "–" : Number(v).toFixed(digits)),
  signed: (digits = 3) => (v) =>
    v === null || v === undefined ? "–" : (v > 0 ? "+" : "") + Number(v).toFixed(digits),
  auto(v) {
    if (v === null || v === undefined || Number.isNaN(v)) return "–";
    const a = Math.abs(v);
    if (a !== 0 && (a >= 1e5 || a < 1e-3)) return Number(v).toExponential(2);
    return Number(v.toPrecision(4)).toString();
  },
  seconds(s) {
    if (s === null || s === undefined) return "–";
    if (s < 60) return `${Math.round(s)} s`;
    const m = Math.floor(s / 60);
    return m < 60 ? `${m} min ${Math.round(s - 60 * m)} s` : `${Math.floor(m / 60)} h ${m % 60} min`;
  },
};

// "1 member", "2 members" (``many`` for irregular plurals).
TB.plural = (n, one, many = `${one}s`) => `${n.toLocaleString("en")} ${n === 1 ? one : many}`;

// Formatter for an outcome from its registry unit.
TB.formatter = function formatter(unit) {
  if (unit === "share" || unit === "0/1") return TB.fmt.pct(0);
  if (unit === "log ratio") {
    return (v) => {
      if (v === null || v === undefined) return "–";
      const a = Math.abs(v);
      const text = a !== 0 && a < 0.01 ? Number(v).toPrecision(2) : Number(v).toFixed(3);
      return (v > 0 ? "+" : "") + text;
    };
  }
  if (unit === "0-1") return TB.fmt.num(2);
  return TB.fmt.auto;
};

// -- the setup: everything a run needs, and its share link --------------------------------
TB.RIVAL = "CHN";
TB.ANCHOR = "USA";

TB.defaultSetup = function defaultSetup() {
  return {
    coalitions: [],
    active: 0,
    pool_share: null, // null: the lever default
    stringency: null, // one number for every domain, null: default
    stringencyByDomain: {},
    capacity: {},
    held: {},
    vary: [],
    scenarios: 200,
    prior: "wide", // "history": the calibrated set the default study runs
    seed: 0,
    start_year: 2024,
    end_year: 2050,
  };
};

// A coalition as the request sends it: a preset name if unchanged, else its codes.
TB.sameMembers = (a, b) => a.length === b.length && a.every((c) => b.includes(c));

TB.requestFromSetup = function requestFromSetup(setup, presets) {
  const byName = Object.fromEntries(presets.map((p) => [p.name, p]));
  const presetNames = [], custom = [], labels = [];
  for (const c of setup.coalitions) {
    const preset = c.preset && byName[c.preset];
    if (preset && TB.sameMembers(preset.members, c.members)) presetNames.push(c);
    else custom.push(c);
  }
  // the server evaluates presets first, then explicit coalitions: keep that order
  for (const c of [...presetNames, ...custom]) labels.push(TB.coalitionLabel(c));
  const body = {
    presets: presetNames.map((c) => c.preset),
    coalitions: custom.map((c) => c.members.slice()),
    scenarios: setup.scenarios,
    prior: setup.prior,
    seed: setup.seed,
    start_year: setup.start_year,
    end_year: setup.end_year,
    set: { ...setup.held },
    vary: setup.vary.slice(),
  };
  if (setup.pool_share !== null) body.pool_share = setup.pool_share;
  const domains = Object.keys(setup.stringencyByDomain);
  if (domains.length) {
    body.stringency = {};
    for (const d of TB.registry.domains) {
      body.stringency[d.name] = d.name in setup.stringencyByDomain
        ? setup.stringencyByDomain[d.name]
        : (setup.stringency ?? TB.lever("control_stringency").default);
    }
  } else if (setup.stringency !== null) {
    body.stringency = setup.stringency;
  }
  const members = new Set(setup.coalitions.flatMap((c) => c.members));
  const capacity = Object.entries(setup.capacity).filter(([k, v]) => members.has(k) && v > 0);
  if (capacity.length) body.capacity_building = Object.fromEntries(capacity);
  return { body, labels, order: [...presetNames, ...custom] };
};

// Give every coalition a palette slot of its own, kept while it exists (first free slot).
TB.assignColours = function assignColours(coalitions) {
  const used = new Set(coalitions.map((c) => c.colour).filter((k) => k !== undefined));
  for (const c of coalitions) {
    if (c.colour !== undefined) continue;
    let k = 0;
    while (used.has(k) && k < 1000) k += 1;
    c.colour = k; used.add(k);
  }
};
TB.coalitionColour = (c) => TB.colour(c.colour ?? 0);

TB.coalitionLabel = function coalitionLabel(c) {
  if (c.name) return c.name;
  const rest = c.members.filter((m) => m !== TB.ANCHOR);
  return rest.length ? `USA+${rest.join("+")}` : "USA alone";
};

TB.lever = (name) => TB.registry.levers.find((l) => l.name === name);

TB.encodeSetup = function encodeSetup(setup, presets) {
  const q = new URLSearchParams();
  const byName = Object.fromEntries(presets.map((p) => [p.name, p]));
  for (const c of setup.coalitions) {
    const preset = c.preset && byName[c.preset];
    q.append("c", preset && TB.sameMembers(preset.members, c.members) ? c.preset : c.members.join("."));
  }
  // names given or kept (a preset's name after its members changed), one per coalition
  const named = (c) => c.name && !(c.preset && c.name === c.preset && byName[c.preset]
    && TB.sameMembers(byName[c.preset].members, c.members));
  if (setup.coalitions.some(named)) for (const c of setup.coalitions) q.append("cn", named(c) ? c.name : "");
  if (setup.pool_share !== null) q.set("pool", setup.pool_share);
  if (setup.stringency !== null) q.set("str", setup.stringency);
  for (const [d, v] of Object.entries(setup.stringencyByDomain)) q.set(`str.${d}`, v);
  for (const [c, v] of Object.entries(setup.capacity)) if (v > 0) q.set(`cb.${c}`, v);
  for (const [p, v] of Object.entries(setup.held)) q.set(`set.${p}`, v);
  if (setup.vary.length) q.set("vary", setup.vary.join(","));
  q.set("n", setup.scenarios);
  if (setup.prior !== "wide") q.set("prior", setup.prior);
  q.set("seed", setup.seed);
  q.set("start", setup.start_year);
  q.set("end", setup.end_year);
  return q.toString();
};

// The setup a link describes (null when the link carries none).
TB.decodeSetup = function decodeSetup(search, presets) {
  const q = new URLSearchParams(search);
  const keys = [...q.keys()];
  if (!keys.some((k) => !["autorun", "token"].includes(k))) return null;
  const setup = TB.defaultSetup();
  const byName = Object.fromEntries(presets.map((p) => [p.name, p]));
  const codes = (text) => [TB.ANCHOR, ...text.split(/[\s,;+.]+/).filter(Boolean)
    .map((c) => c.toUpperCase()).filter((c) => c !== TB.ANCHOR)];
  for (const text of q.getAll("c")) {
    if (byName[text]) setup.coalitions.push({ preset: text, name: text, members: byName[text].members.slice() });
    else setup.coalitions.push({ members: codes(text) });
  }
  for (const text of q.getAll("coalition")) setup.coalitions.push({ members: codes(text) });
  q.getAll("cn").forEach((name, i) => { if (name && setup.coalitions[i]) setup.coalitions[i].name = name; });
  const num = (key) => (q.has(key) && q.get(key) !== "" && Number.isFinite(Number(q.get(key)))
    ? Number(q.get(key)) : null);
  setup.pool_share = num("pool");
  setup.stringency = num("str");
  for (const [key, value] of q.entries()) {
    const n = Number(value);
    if (!Number.isFinite(n)) continue;
    if (key.startsWith("str.")) setup.stringencyByDomain[key.slice(4)] = n;
    else if (key.startsWith("cb.")) setup.capacity[key.slice(3).toUpperCase()] = n;
    else if (key.startsWith("set.")) setup.held[key.slice(4)] = n;
  }
  if (q.get("vary")) setup.vary = q.get("vary").split(",").filter(Boolean);
  setup.scenarios = num("n") ?? setup.scenarios;
  if (q.get("prior") === "history") setup.prior = "history";
  setup.seed = num("seed") ?? setup.seed;
  setup.start_year = num("start") ?? setup.start_year;
  setup.end_year = num("end") ?? setup.end_year;
  return setup;
};

// -- downloads ---------------------------------------------------------------------------
TB.download = function download(name, blob) {
  const url = URL.createObjectURL(blob);
  const a = TB.el("a", { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
};

TB.csv = function csv(rows) {
  const cell = (v) => {
    const s = v === null || v === undefined ? "" : String(v);
    return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return new Blob([rows.map((r) => r.map(cell).join(",")).join("\n") + "\n"], { type: "text/csv" });
};

TB.slug = (text) => String(text).toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "");
