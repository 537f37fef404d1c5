// techbloc dashboard: pick the page from the address and start it.
"use strict";

(function main(TB) {
  const path = window.location.pathname.replace(/\/+$/, "") || "/";
  let page = "builder", start = () => TB.initBuilder();
  const study = path.match(/^\/studies\/([^/]+)$/);
  const country = path.match(/^\/country\/([^/]+)$/);
  if (path === "/studies") { page = "studies"; start = () => TB.initStudies(); }
  else if (study) { page = "study"; start = () => TB.initStudy(decodeURIComponent(study[1])); }
  else if (country) { page = "country"; start = () => TB.initCountry(decodeURIComponent(country[1])); }
  TB.$(`page-${page}`).hidden = false;
  const nav = page === "study" ? "studies" : page;
  for (const a of document.querySelectorAll("nav a[data-page]")) {
    if (a.dataset.page === nav) a.setAttribute("aria-current", "page");
  }
  start().catch((err) => {
    const box = TB.el("div", { class: "error", role: "alert", text: `The page could not load: ${TB.webMessage(err.message)}` });
    TB.$(`page-${page}`).prepend(box);
  });
})(window.TB);
