// techbloc dashboard: the studies pages (start, list with live progress, cancel, open).
"use strict";

(function studies(TB) {
  const { $, el, fmt } = TB;
  let timer = null;

  function message(text, bad) {
    const box = $("study-message");
    box.textContent = text ? TB.webMessage(text) : "";
    box.className = bad ? "message bad" : "message";
    box.hidden = !text;
  }

  function actions(job) {
    const out = [];
    if (job.status === "queued" || job.status === "running") {
      out.push(el("button", { type: "button", class: "secondary small-button", text: "Cancel", "data-action": "cancel",
        onclick: async () => { await TB.api(job.cancel_url, { method: "POST" }).catch((e) => message(e.message, true)); refresh(); } }));
    }
    if (job.status === "done") {
      out.push(el("a", { href: `/studies/${job.id}`, text: "Results", class: "button-link", "data-action": "results" }));
      out.push(TB.reportLink(job.report_url, "Report", { class: "button-link", "data-action": "report" }));
    }
    if (!["queued", "running"].includes(job.status)) {
      out.push(el("button", { type: "button", class: "link", text: "Delete", "data-action": "delete",
        onclick: async () => {
          if (!window.confirm(`Delete study ${job.name} (${job.id}) and its results?`)) return;
          await TB.api(`/api/jobs/${job.id}`, { method: "DELETE" }).catch((e) => message(e.message, true));
          refresh();
        } }));
    }
    return el("td", { class: "actions-cell" }, ...out);
  }

  function row(job) {
    const chunks = job.chunks_total ? `${job.chunks_done} / ${job.chunks_total}` : "–";
    const bar = el("div", { class: "bar-track slim" }, el("div", { class: "bar-fill", style: `width:${Math.round(100 * job.progress)}%` }));
    const live = job.status === "running"
      ? `${job.rate ? `${Math.round(job.rate)} futures/s` : "starting"}${job.eta_seconds !== null ? ` · ${fmt.seconds(job.eta_seconds)} left` : ""}`
      : job.elapsed_seconds !== null ? `took ${fmt.seconds(job.elapsed_seconds)}` : "";
    return el("tr", { "data-job": job.id, "data-status": job.status },
      el("td", {}, el("b", { text: job.name }), el("div", { class: "muted small", text: job.id })),
      el("td", { "data-label": "status" }, el("span", { class: `status ${job.status}`, text: job.status }),
        job.error ? el("div", { class: "small bad", text: TB.webMessage(job.error) }) : null),
      el("td", { "data-label": "progress" }, bar, el("div", { class: "small", text: `chunks ${chunks} · ${job.scenarios_total === null || job.scenarios_total === undefined ? "? futures" : TB.plural(job.scenarios_total, "future")}` }),
        el("div", { class: "small muted", text: live })),
      el("td", { "data-label": "submitted", class: "small", text: job.submitted.replace("T", " ").replace("+00:00", " UTC") }),
      actions(job));
  }

  async function refresh() {
    clearTimeout(timer);
    let jobs;
    try {
      jobs = await TB.api("/api/jobs");
    } catch (err) {
      message(err.message, true);
      return;
    }
    jobs.reverse(); // newest first
    const box = $("jobs");
    if (!jobs.length) box.replaceChildren(el("p", { class: "muted", text: "No study yet." }));
    else {
      box.replaceChildren(el("table", { class: "grid-table jobs stack" },
        el("thead", {}, el("tr", {}, ...["study", "status", "progress", "submitted", ""].map((t) => el("th", { text: t })))),
        el("tbody", {}, ...jobs.map(row))));
    }
    if (jobs.some((j) => j.status === "queued" || j.status === "running")) timer = setTimeout(refresh, 1000);
  }

  async function submitYaml(check) {
    const text = $("study-yaml").value;
    if (!text.trim()) { message("Paste a study YAML or choose a file first.", true); return; }
    try {
      const answer = await TB.api(`/api/studies/yaml${check ? "?check=true" : ""}`, { text });
      if (check) {
        message(`Valid: “${answer.name}”, ${TB.plural(answer.policies.length, "policy", "policies")} (${answer.policies.join(", ")}), ${TB.plural(answer.scenarios, "future")}, ${answer.years[0]}–${answer.years[1]}; work ${answer.work.toLocaleString("en")}.`, false);
      } else {
        message(`Started “${answer.name}” (${answer.id}).`, false);
        refresh();
      }
    } catch (err) {
      message(err.message, true);
    }
  }

  // A link to a study's HTML report. The server writes the report on the first request
  // (tens of seconds): the click opens a tab saying so, shows the time spent beside the
  // link, and sends the tab to the report once it is written.
  TB.reportLink = function reportLink(url, text, attrs = {}) {
    const status = el("span", { class: "small muted report-status", role: "status" });
    let ready = false;
    const link = el("a", { href: url, text, target: "_blank", rel: "noopener", ...attrs });
    link.addEventListener("click", async (event) => {
      if (ready) return; // written: the link opens it directly
      event.preventDefault();
      if (link.dataset.building) return;
      link.dataset.building = "1";
      const tab = window.open("", "_blank");
      if (tab) {
        tab.document.title = "Building the report…";
        tab.document.body.append(Object.assign(tab.document.createElement("p"), {
          textContent: "Building the study's report: the first time takes up to a minute. This tab shows it when it is ready." }));
      }
      const began = Date.now();
      const tick = () => { status.textContent = `Building the report… ${fmt.seconds((Date.now() - began) / 1000)}`; };
      tick();
      const timer = setInterval(tick, 1000);
      try {
        const response = await TB.api(url, { raw: true });
        if (!response.ok) throw new Error((await response.json().catch(() => ({}))).detail || response.statusText);
        await response.text();
        ready = true;
        status.textContent = "Report ready.";
        if (tab) tab.location.href = url; else status.replaceChildren("Report ready: ", el("a", { href: url, target: "_blank", rel: "noopener", text: "open it" }), ".");
      } catch (err) {
        if (tab) tab.close();
        status.textContent = `The report could not be built: ${TB.webMessage(err.message)}`;
      } finally {
        clearInterval(timer);
        delete link.dataset.building;
      }
    });
    return el("span", {}, link, status);
  };

  TB.initStudies = async function initStudies() {
    const [registry, presets] = await Promise.all([TB.api("/api/parameters"), TB.api("/api/presets")]);
    TB.registry = registry; TB.presets = presets;
    // from the builder's "Start as a study": its setup is in the address
    const fromBuilder = TB.decodeSetup(window.location.search, presets);
    let saved = fromBuilder ? window.location.search.slice(1) : null;
    if (!saved) { try { saved = localStorage.getItem("techbloc.setup"); } catch (err) { saved = null; } }
    let setup = (saved && TB.decodeSetup(saved, presets)) || null;
    if (!setup || !setup.coalitions.length) {
      // nothing built yet: the builder's default comparison
      setup = TB.defaultSetup();
      for (const name of ["forging_core", "quad"]) {
        const p = presets.find((x) => x.name === name);
        if (p) setup.coalitions.push({ preset: name, name, members: p.members.slice() });
      }
      saved = TB.encodeSetup(setup, presets);
    }
    if (setup.coalitions.length) {
      const labels = setup.coalitions.map((c) => TB.coalitionLabel(c));
      $("setup-summary").replaceChildren(`${TB.plural(labels.length, "coalition")}: ${labels.join(", ")}; ${setup.prior === "history" ? "history-consistent futures, " : ""}${setup.start_year}–${setup.end_year}, seed ${setup.seed}. `,
        el("a", { href: `/?${saved}`, text: "edit in the builder" }));
      $("study-scenarios").value = fromBuilder ? setup.scenarios : Math.max(setup.scenarios, 1000);
      if (fromBuilder) {
        $("study-name").value = `dashboard-${new Date().toISOString().slice(0, 16).replace(/[-:T]/g, "")}`;
        const note = $("study-from-note");
        note.hidden = false;
        note.textContent = "Filled in from the builder: check the name and the number of futures, then press Start study. Nothing runs until then.";
        $("study-from-setup").focus();
      }
    } else {
      $("setup-summary").replaceChildren("No setup yet: ", el("a", { href: "/", text: "build one" }), ".");
      $("study-from-setup").disabled = true;
    }
    $("study-from-setup").addEventListener("click", async () => {
      try {
        const study = TB.studyFromSetup(setup, $("study-name").value.trim() || "dashboard-study", Number($("study-scenarios").value));
        const job = await TB.api("/api/studies", { body: study });
        message(`Started “${job.name}” (${job.id}).`, false);
        refresh();
      } catch (err) {
        message(err.message, true);
      }
    });
    $("study-file").addEventListener("change", async () => {
      const file = $("study-file").files[0];
      if (!file) return;
      $("study-yaml").value = await file.text();
      submitYaml(true);
    });
    $("study-check").addEventListener("click", () => submitYaml(true));
    $("study-yaml-start").addEventListener("click", () => submitYaml(false));
    refresh();
  };

  TB.initStudy = async function initStudy(id) {
    $("study-title").textContent = `Study ${id}`;
    try {
      const job = await TB.api(`/api/jobs/${encodeURIComponent(id)}`);
      $("study-title").textContent = `Study “${job.name}”`;
      $("study-meta").replaceChildren(`${job.id} · ${job.status} · ${TB.plural(job.scenarios_total ?? 0, "future")} · `,
        TB.reportLink(job.report_url, "open the HTML report", { id: "study-report" }));
      if (job.status !== "done") {
        TB.showError($("study-error"), `This study is ${job.status}${job.error ? `: ${job.error}` : ""}; its results appear when it is done.`);
        return;
      }
      const base = `/api/studies/${encodeURIComponent(job.id)}`;
      const [result, futures, registry] = await Promise.all([TB.api(job.results_url), TB.api(`${base}/futures`), TB.api("/api/parameters")]);
      TB.registry = registry;
      const names = result.policies;
      result.policies = names.map((name) => ({ name }));
      TB.renderResults($("study-results"), result, names, { futures,
        importance: (policy, outcome) => `${base}/importance?${new URLSearchParams({ policy, outcome })}` });
    } catch (err) {
      TB.showError($("study-error"), err.message);
    }
  };
})(window.TB);
