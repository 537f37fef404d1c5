"""The dashboard in a real browser: Playwright for Python driving Debian's Chromium.

The server runs in a thread on a free port (uvicorn), the browser is the system Chromium
(``/usr/bin/chromium``, installed by ``.ci/run``; Playwright's own browser download is not
used). These tests are skipped only when no Chromium is installed. Every request the pages
make to another host is refused and counted: the dashboard must work offline.
"""

from __future__ import annotations

import itertools
import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

CHROMIUM = os.environ.get("TECHBLOC_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
if not Path(CHROMIUM).exists():
    pytest.skip("Chromium is not installed (.ci/run installs it)", allow_module_level=True)

from playwright.sync_api import Browser, Page, expect, sync_playwright  # noqa: E402

from techbloc.service.app import create_app  # noqa: E402

ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
#: Seconds a run or a study may take in these tests (a loaded CI machine is slow).
SLOW = 90_000


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The service on a free loopback port, in a thread; yields its base URL."""
    import uvicorn

    app = create_app(tmp_path_factory.mktemp("browser-store"), prestart=True)
    port = _free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    instance = uvicorn.Server(config)
    thread = threading.Thread(target=instance.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not instance.started:
        if time.monotonic() > deadline:
            raise RuntimeError("the server did not start within 60 s")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    instance.should_exit = True
    thread.join(30)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Browser, server: str) -> Iterator[Page]:
    """A fresh page (desktop width) that refuses other hosts and records page errors
    (and what the Content-Security-Policy blocks)."""
    context = browser.new_context(viewport={"width": 1400, "height": 900}, accept_downloads=True)
    outside: list[str] = []
    errors: list[str] = []

    def route(request_route: Any) -> None:
        host = urlparse(request_route.request.url).hostname
        if host in ("127.0.0.1", "localhost"):
            request_route.continue_()
        else:
            outside.append(request_route.request.url)
            request_route.abort()

    context.route("**/*", route)
    tab = context.new_page()
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    # what the Content-Security-Policy blocks is reported on the console, not as an error
    tab.on(
        "console",
        lambda message: (
            errors.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    tab.set_default_timeout(30_000)
    yield tab
    context.close()
    assert not outside, f"the page tried to reach other hosts: {outside[:3]}"
    assert not errors, f"JavaScript errors: {errors[:3]}"


def _open_builder(page: Page, server: str, query: str = "") -> None:
    page.goto(f"{server}/{query}")
    page.wait_for_selector("#map svg [data-iso3='KOR']")
    page.wait_for_selector("#params .param")


_POINT_ON = """code => {
  // a screen point where the country itself (not the sea or a neighbour) is under the mouse
  const node = document.querySelector(`#map [data-iso3='${code}']`);
  node.scrollIntoView({block: "center"});
  const box = node.getBoundingClientRect();
  for (let i = 1; i < 40; i += 1) {
    for (let j = 1; j < 40; j += 1) {
      const x = box.left + (box.width * i) / 40, y = box.top + (box.height * j) / 40;
      const hit = document.elementFromPoint(x, y);
      if (hit && hit.closest("[data-iso3]") && hit.closest("[data-iso3]").dataset.iso3 === code) {
        return [x, y];
      }
    }
  }
  return null;
}"""


def _click_country(page: Page, code: str) -> None:
    """Click on the map where the country is drawn, as a user would."""
    point = page.evaluate(_POINT_ON, code)
    assert point is not None, f"{code} cannot be clicked on the map"
    page.mouse.click(*point)


def test_load_shows_map_presets_and_every_parameter(page: Page, server: str) -> None:
    from techbloc.params import LEVERS, PARAMETERS

    _open_builder(page, server)
    codes = page.eval_on_selector_all(
        "#map [data-iso3]", "nodes => [...new Set(nodes.map(n => n.dataset.iso3))]"
    )
    assert {"USA", "KOR", "SGP", "MLT", "LUX"} <= set(codes)
    assert len(codes) == 58
    expect(page.locator("#presets .preset")).not_to_have_count(0)
    assert page.locator("#params .param").count() == len(PARAMETERS)
    for lever in LEVERS:
        expect(page.locator("#levers")).to_contain_text(lever.name)
    expect(page.locator(".coalition")).to_have_count(2)  # the default presets


def test_map_click_adds_and_removes_a_country(page: Page, server: str) -> None:
    _open_builder(page, server)
    page.click("#coalition-new")
    card = page.locator(".coalition").nth(2)
    expect(card).to_have_class("coalition active")
    page.click("#map-views [data-view='Asia-Pacific']")
    _click_country(page, "KOR")
    _click_country(page, "JPN")
    expect(card.locator(".chips")).to_contain_text("KOR")
    expect(card.locator(".chips")).to_contain_text("JPN")
    assert page.get_attribute("#map path[data-iso3='KOR']", "class") == "cand member"
    _click_country(page, "KOR")
    expect(card.locator(".chips")).not_to_contain_text("KOR")
    _click_country(page, "CHN")
    expect(page.locator("#search-hint")).to_contain_text("cannot be a member")
    expect(card.locator(".chips")).not_to_contain_text("CHN")


def test_bad_country_code_is_refused_with_suggestions(page: Page, server: str) -> None:
    _open_builder(page, server)
    search = page.locator("#country-search")
    search.fill("KOX")
    expect(search).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#country-add")).to_be_disabled()
    expect(page.locator("#search-hint")).to_contain_text("not a candidate country")
    expect(page.locator("#search-hint")).to_contain_text("Did you mean")
    search.press("Enter")
    expect(page.locator(".coalition.active .chips")).not_to_contain_text("KOX")
    search.fill("singap")
    expect(page.locator("#country-add")).to_be_enabled()
    search.press("Enter")
    expect(page.locator(".coalition.active .chips")).to_contain_text("SGP")


def test_levers_run_and_results(page: Page, server: str) -> None:
    _open_builder(page, server, "?c=forging_core&c=USA.JPN.KOR&n=24&end=2032")
    page.fill("#lever-pool_share + .num", "0.2")
    page.press("#lever-pool_share + .num", "Tab")
    page.select_option("select[data-param='denial']", "held")
    page.fill("#param-denial + .num", "0.8")
    page.press("#param-denial + .num", "Tab")
    with page.expect_request("**/api/evaluations") as sent:
        page.click("#run")
    body = sent.value.post_data_json
    assert body["pool_share"] == 0.2
    assert body["set"] == {"denial": 0.8}
    assert body["presets"] == ["forging_core"] and body["coalitions"] == [["USA", "JPN", "KOR"]]
    page.wait_for_selector("#results figure", timeout=SLOW)
    expect(page.locator("#results .run-summary")).to_contain_text(
        "24 futures (wide prior), 2024–2032"
    )
    for chart in ("china-knowledge-vs-status-quo", "leakage-to-china", "cohesion"):
        expect(page.locator(f"[data-chart='{chart}'] svg rect.bar")).to_have_count(2)
        expect(page.locator(f"[data-chart='fan-{chart}'] svg polyline")).to_have_count(2)
    expect(page.locator(".result-block h2", has_text="Gaps by technology domain")).to_be_visible()
    expect(page.locator(".stability tbody tr").first).to_be_visible()
    with page.expect_download() as csv:
        page.click("[data-chart='cohesion'] button:has-text('CSV')")
    text = Path(csv.value.path()).read_text(encoding="utf-8")
    assert text.splitlines()[0] == "coalition,median,p10,p90" and "forging_core" in text
    with page.expect_download() as png:
        page.click("[data-chart='cohesion'] button:has-text('PNG')")
    assert Path(png.value.path()).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with page.expect_download() as svg:
        page.click("[data-chart='fan-cohesion'] button:has-text('SVG')")
    assert Path(svg.value.path()).read_text(encoding="utf-8").startswith("<svg")


def test_history_consistent_futures(page: Page, server: str) -> None:
    """The report's futures, chosen in the builder: sent as the request's prior, named in
    the summary, refused above the calibrated set's size or with extra sampled parameters."""
    _open_builder(page, server, "?c=forging_core&n=12&end=2030")
    page.select_option("#prior", "history")
    with page.expect_request("**/api/evaluations") as sent:
        page.click("#run")
    assert sent.value.post_data_json["prior"] == "history"
    page.wait_for_selector("#results figure", timeout=SLOW)
    expect(page.locator("#results .run-summary")).to_contain_text(
        "12 futures (history-consistent), 2024–2030"
    )
    page.fill("#scenarios", "1001")
    page.press("#scenarios", "Tab")
    page.click("#run")
    expect(page.locator("#form-error")).to_contain_text("History-consistent futures: at most 1,000")
    _open_builder(page, server, "?c=forging_core&n=12&prior=history&vary=exit_probability")
    expect(page.locator("#prior")).to_have_value("history")
    page.click("#run")
    expect(page.locator("#form-error")).to_contain_text("applies to the wide prior only")


def test_share_link_round_trip(page: Page, server: str, browser: Browser) -> None:
    _open_builder(page, server, "?c=quad&n=30")
    page.click("#coalition-new")
    page.fill("#country-search", "ISR")
    page.press("#country-search", "Enter")
    page.fill("#lever-control_stringency + .num", "0.8")
    page.press("#lever-control_stringency + .num", "Tab")
    page.select_option("select[data-param='friction_scale']", "held")
    page.fill("#seed", "7")
    page.press("#seed", "Tab")
    page.select_option("#prior", "history")
    page.click("#share")
    link = page.get_attribute("#share-link", "href")
    assert link is not None and link.startswith(server)
    other = browser.new_page()
    try:
        other.goto(link)
        other.wait_for_selector("#params .param")
        expect(other.locator(".coalition")).to_have_count(2)
        expect(other.locator(".coalition-name").nth(0)).to_have_value("quad")
        expect(other.locator(".coalition-name").nth(1)).to_have_value("USA+ISR")
        expect(other.locator("#lever-control_stringency + .num")).to_have_value("0.8")
        expect(other.locator("select[data-param='friction_scale']")).to_have_value("held")
        expect(other.locator("select[data-param='denial']")).to_have_value("sampled")
        expect(other.locator("#seed")).to_have_value("7")
        expect(other.locator("#scenarios")).to_have_value("30")
        expect(other.locator("#prior")).to_have_value("history")
    finally:
        other.close()


def test_cancel_a_run(page: Page, server: str) -> None:
    _open_builder(page, server, "?c=forging_core&c=quad&c=nato&n=3000")
    page.click("#run")
    expect(page.locator("#progress")).to_be_visible(timeout=SLOW)
    page.click("#cancel")
    expect(page.locator("#progress-text")).to_have_text("Cancelled.", timeout=SLOW)
    expect(page.locator("#results figure")).to_have_count(0)


def test_start_a_study_watch_it_and_open_its_report(page: Page, server: str) -> None:
    from techbloc.service.compute import HEADLINE

    _open_builder(page, server, "?c=USA.JPN.KOR&c=forging_core&n=40&end=2030")
    started: list[Any] = []
    page.on(
        "request",
        lambda r: started.append(r) if r.method == "POST" and "/api/studies" in r.url else None,
    )
    # "Start as a study" opens the form filled in with the builder's setup, starts nothing
    page.click("#as-study")
    page.wait_for_url("**/studies?**")
    summary = page.locator("#setup-summary")
    expect(summary).to_contain_text("2 coalitions: USA+JPN+KOR, forging_core")
    expect(page.locator("#study-scenarios")).to_have_value("40")
    expect(page.locator("#study-from-note")).to_contain_text("Nothing runs until")
    page.wait_for_timeout(500)
    assert not started, "the study started before it was confirmed"
    page.fill("#study-name", "browser-study")
    with page.expect_request("**/api/studies") as sent:
        page.click("#study-from-setup")
    body = sent.value.post_data_json
    assert body["scenarios"] == 40
    assert body["policies"] == [{"members": ["USA", "JPN", "KOR"]}, {"preset": "forging_core"}]
    row = page.locator("tr[data-job]", has_text="browser-study")
    expect(row).to_be_visible()
    seen = set()
    deadline = time.monotonic() + SLOW / 1000
    while time.monotonic() < deadline:
        status = row.get_attribute("data-status")
        seen.add(status)
        if status in ("done", "failed", "cancelled"):
            break
        page.wait_for_timeout(200)
    assert row.get_attribute("data-status") == "done", row.inner_text()
    assert seen & {"queued", "running"}, seen  # progress was shown while it ran
    expect(row).to_contain_text("chunks")
    page.click("tr[data-job] a[data-action='results']")
    page.wait_for_selector("#study-results figure", timeout=SLOW)
    expect(page.locator("#study-title")).to_contain_text("browser-study")
    # every headline outcome (and the share of futures where China ends stronger)
    headline = page.locator("#study-results .result-block").first.locator("figure")
    expect(headline).to_have_count(len(HEADLINE) + 1)
    for name in HEADLINE:
        chart = page.locator(f"#study-results [data-chart='{name.replace('_', '-')}']")
        expect(chart).to_be_visible()
    # the per-future table: 40 rows, sortable, filterable, downloadable
    table = page.locator("[data-block='futures'] table")
    expect(table.locator("tbody tr")).to_have_count(40)
    table.locator("th[data-key='leakage_to_china'] button").click()
    heading = table.locator("th[data-key='leakage_to_china']")
    expect(heading).to_have_attribute("aria-sort", "ascending")
    keys = [th.get_attribute("data-key") for th in table.locator("thead th").all()]
    position = keys.index("leakage_to_china") + 1  # the column follows the headline order
    column = page.locator(f"[data-block='futures'] tbody tr td:nth-child({position})")
    values = [float(v) for v in column.all_inner_texts()]
    assert values == sorted(values)
    table.locator("th[data-key='leakage_to_china'] button").click()
    values = [float(v) for v in column.all_inner_texts()]
    assert values == sorted(values, reverse=True)
    ordered = sorted(set(values))
    k = len(ordered) // 2
    middle = (ordered[k - 1] + ordered[k]) / 2  # between two shown values (they are rounded)
    futures = page.locator("[data-block='futures']")
    futures.locator("select[aria-label='Filter column']").select_option("leakage_to_china")
    futures.locator("select[aria-label='Comparison']").select_option(">=")
    futures.locator("input[aria-label='Filter value']").fill(str(middle))
    expect(table.locator("tbody tr")).to_have_count(sum(v >= middle for v in values))
    with page.expect_download() as csv:
        page.click("#futures-csv")
    lines = Path(csv.value.path()).read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("coalition,future," + ",".join(HEADLINE[:4]))
    assert len(lines) == 1 + sum(v >= middle for v in values)
    # parameter importance from the sensitivity analysis
    importance = page.locator("[data-block='importance'] [data-chart='importance'] rect.bar")
    expect(importance).not_to_have_count(0)
    # the report link says the report is being built, then the tab shows it
    with page.expect_popup() as popup:
        page.click("#study-report")
    expect(page.locator(".report-status")).to_contain_text("Building the report")
    report = popup.value
    expect(page.locator(".report-status")).to_have_text("Report ready.", timeout=SLOW)
    report.wait_for_url("**/report", timeout=SLOW)
    report.wait_for_load_state()
    assert "browser-study" in report.title() or "browser-study" in report.content()


def test_yaml_errors_name_their_line(page: Page, server: str) -> None:
    page.goto(f"{server}/studies")
    page.fill("#study-yaml", "name: bad\npolicies:\n  - preset: no_such_preset\nscenarios: 10\n")
    page.click("#study-check")
    expect(page.locator("#study-message")).to_contain_text("study.yaml:3")
    expect(page.locator("#study-message")).to_have_class("message bad")
    page.fill("#study-yaml", "name: good\npolicies:\n  - preset: quad\nscenarios: 10\n")
    page.click("#study-check")
    expect(page.locator("#study-message")).to_contain_text("Valid")


def test_country_page(page: Page, server: str) -> None:
    page.goto(f"{server}/country/ISR")
    page.wait_for_selector("#country h2")
    expect(page.locator("#country h2")).to_have_text("Israel (ISR)")
    expect(page.locator("#country")).to_contain_text("Haifa")  # hedging reason
    expect(page.locator("#country")).to_contain_text("Turkey (TUR)")  # a friction
    expect(page.locator("tr[data-input='protection_capability']")).to_contain_text("itu_gci_2020")
    expect(page.locator("#country")).to_contain_text("will_hedging")
    page.goto(f"{server}/country/XXX")
    expect(page.locator("#country-error")).to_be_visible()


def test_docs_work_offline(page: Page, server: str) -> None:
    page.goto(f"{server}/docs")
    page.wait_for_selector(".swagger-ui .opblock", timeout=30_000)
    expect(page.locator(".swagger-ui")).to_contain_text("/api/evaluations")


def test_coalition_names_are_editable_and_survive_membership_edits(
    page: Page, server: str, browser: Browser
) -> None:
    _open_builder(page, server, "?c=forging_core&c=quad&n=30")
    name = page.locator(".coalition-name").nth(0)
    page.locator(".coalition input[type='radio']").nth(0).check()
    page.click("#map-views [data-view='Asia-Pacific']")
    _click_country(page, "KOR")
    expect(page.locator(".coalition").nth(0).locator(".chips")).to_contain_text("KOR")
    expect(name).to_have_value("forging_core")  # not renamed to its member list
    expect(page.locator(".coalition").nth(0)).to_contain_text("from preset forging_core")
    name.fill("Core and Korea")
    name.press("Tab")
    _click_country(page, "JPN")  # remove a member: the name stays
    expect(page.locator(".coalition").nth(0).locator(".chips")).not_to_contain_text("JPN")
    expect(name).to_have_value("Core and Korea")
    expect(page.locator(".coalition").nth(1).locator(".coalition-name")).to_have_value("quad")
    page.click("#share")
    link = page.get_attribute("#share-link", "href")
    other = browser.new_page()
    try:
        other.goto(str(link))
        other.wait_for_selector("#params .param", state="attached")
        expect(other.locator(".coalition-name").nth(0)).to_have_value("Core and Korea")
        expect(other.locator(".coalition-name").nth(1)).to_have_value("quad")
    finally:
        other.close()
    page.click("#coalition-new")
    expect(page.locator(".coalition").nth(2)).to_contain_text("1 member")
    expect(page.locator(".coalition").nth(2)).not_to_contain_text("1 members")


def test_results_follow_the_builder(page: Page, server: str) -> None:
    long = "USA.CAN.GBR.AUS.JPN.KOR.DEU.FRA.NLD"
    _open_builder(page, server, f"?c={long}&c=forging_core&n=30&end=2030")
    # exact tick labels: 0.025 steps keep three decimals
    labels = page.evaluate("TB.tickLabels(TB.niceTicks(0, 0.075, 3), 'log ratio')")
    assert labels == ["0.000", "0.025", "0.050", "0.075"]
    assert page.evaluate("TB.tickLabels([0, 0.25, 0.5, 0.75, 1], 'share')") == [
        "0%",
        "25%",
        "50%",
        "75%",
        "100%",
    ]
    assert page.evaluate("TB.tickLabels([0, 500, 1000], '')") == ["0", "500", "1000"]
    swatches = page.eval_on_selector_all(
        ".coalition .swatch", "nodes => nodes.map(n => getComputedStyle(n).backgroundColor)"
    )
    assert len(set(swatches)) == 2 and "rgb(225, 87, 89)" not in swatches  # China's red
    # the selected coalition is painted on the map in its swatch's colour
    page.locator(".coalition input[type='radio']").nth(1).check()
    fill = page.eval_on_selector("#map path[data-iso3='CAN']", "n => getComputedStyle(n).fill")
    assert fill == swatches[1]
    page.click("#run")
    page.wait_for_selector("#results figure", timeout=SLOW)
    texts = page.locator("[data-chart='cohesion'] svg text.label")
    expect(texts).to_have_count(2)
    shown = texts.evaluate_all("nodes => nodes.map(n => n.firstChild.nodeValue)")
    first = shown[0]
    assert first.startswith("USA+CAN+GBR") and first.endswith("…"), first  # builder order
    assert shown[1] == "forging_core"
    assert texts.nth(0).locator("title").text_content() == long.replace(".", "+")  # on hover
    inside = page.evaluate(
        """() => [...document.querySelectorAll("[data-chart='cohesion'] svg text.label")]
           .every(t => t.getBoundingClientRect().left
                       >= t.ownerSVGElement.getBoundingClientRect().left - 0.5)"""
    )
    assert inside, "a label is cut at the chart's left edge"
    bars = page.eval_on_selector_all(
        "[data-chart='cohesion'] rect.bar", "nodes => nodes.map(n => getComputedStyle(n).fill)"
    )
    assert bars == swatches  # one colour per coalition, as on its card
    # the over-time chart's tick labels are its tick values, evenly spaced
    ticks = page.eval_on_selector_all(
        "[data-chart='fan-china-knowledge-vs-status-quo'] text.tick",
        "ns => ns.filter(n => n.getAttribute('text-anchor') === 'end').map(n => n.textContent)",
    )
    values = [float(t) for t in ticks]
    steps = {round(b - a, 9) for a, b in itertools.pairwise(values)}
    assert len(values) >= 3 and len(steps) == 1, ticks
    expect(page.locator("[data-chart='external-stability'] h3")).to_have_text("Externally stable")
    expect(page.locator("[data-chart='external-stability'] .note")).to_contain_text(
        "Share of futures in which no outsider"
    )
    expect(page.locator("#results .run-summary")).to_contain_text("30 futures")
    expect(page.locator("[data-chart='importance'] rect.bar")).not_to_have_count(0)
    expect(page.locator("[data-block='futures'] tbody tr")).to_have_count(30)


def test_narrow_screen_has_no_horizontal_scroll(browser: Browser, server: str) -> None:
    context = browser.new_context(viewport={"width": 420, "height": 900})
    try:
        tab = context.new_page()
        for path in ("/", "/studies", "/country/KOR"):
            tab.goto(f"{server}{path}")
            tab.wait_for_load_state("networkidle")
            width = tab.evaluate("document.documentElement.scrollWidth")
            assert width <= 420, f"{path} is {width} px wide at a 420 px viewport"
    finally:
        context.close()
