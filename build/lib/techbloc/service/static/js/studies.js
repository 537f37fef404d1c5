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
      out.push(el("a", { href: job.report_url, text: "Report", class: "button-link", target: "_blank", rel: "noopener", "data-action": "report" }));
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
      el("td", { "data-label": "progress" }, bar, el("div", { class: "small", text: `chunks ${chunks} · ${job.scenarios_total ?? "?"} futures` }),
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
        message(`Valid: “${answer.name}”, ${answer.policies.length} policies (${answer.policies.join(", ")}), ${answer.scenarios} futures, ${answer.years[0]}–${answer.years[1]}; work ${answer.work.toLocaleString("en")}.`, false);
      } else {
        message(`Started “${answer.name}” (${answer.id}).`, false);
        refresh();
      }
    } catch (err) {
      message(err.message, true);
    }
  }

  TB.initStudies = async function initStudies() {
    const [registry, presets] = await Promise.all([TB.api("/api/parameters"), TB.api("/api/presets")]);
    TB.registry = registry; TB.presets = presets;
    let saved = null;
    try { saved = localStorage.getItem("techbloc.setup"); } catch (err) { saved = null; }
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
      const { labels } = TB.requestFromSetup(setup, presets);
      $("setup-summary").replaceChildren(`${labels.length} coalitions: ${labels.join(", ")}; ${setup.start_year}–${setup.end_year}, seed ${setup.seed}. `,
        el("a", { href: `/?${saved}`, text: "edit in the builder" }));
      $("study-scenarios").value = Math.max(setup.scenarios, 1000);
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
      $("study-meta").replaceChildren(`${job.id} · ${job.status} · ${job.scenarios_total} futures · `,
        el("a", { href: job.report_url, target: "_blank", rel: "noopener", text: "open the HTML report", id: "study-report" }));
      if (job.status !== "done") {
        TB.showError($("study-error"), `This study is ${job.status}${job.error ? `: ${job.error}` : ""}; its results appear when it is done.`);
        return;
      }
      const result = await TB.api(job.results_url);
      const names = result.policies;
      result.policies = names.map((name) => ({ name }));
      TB.renderResults($("study-results"), result, names);
    } catch (err) {
      TB.showError($("study-error"), err.message);
    }
  };
})(window.TB);
