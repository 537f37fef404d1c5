"""The report in a browser: no sideways scroll at 420 px, the summary on the first screen.

Rendered by headless Chromium (Debian's package, as in the dashboard's browser tests);
skipped where it is not installed.
"""

from __future__ import annotations

import pytest

from techbloc.report.pdf import CHROMIUM_ARGS, chromium_path

CHROMIUM = chromium_path()
if CHROMIUM is None:
    pytest.skip("Chromium is not installed (.ci/run installs it)", allow_module_level=True)

from playwright.sync_api import sync_playwright  # noqa: E402

#: Elements wider than the viewport, or reaching past either edge (1 px of rounding allowed).
_OVERFLOW = """() => {
  const width = window.innerWidth, out = [];
  for (const el of document.querySelectorAll('body *')) {
    const r = el.getBoundingClientRect();
    if (r.width > 0 && (r.right > width + 1 || r.left < -1))
      out.push(`${el.tagName.toLowerCase()}#${el.id}.${el.className} ${r.left}-${r.right}`);
  }
  return {scroll: document.documentElement.scrollWidth, width, wide: out.slice(0, 10)};
}"""


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=list(CHROMIUM_ARGS))
        yield chromium
        chromium.close()


@pytest.mark.parametrize("width", [1400, 420])
def test_no_element_wider_than_the_viewport(report, browser, width, tmp_path):
    path, _ = report
    page = browser.new_page(viewport={"width": width, "height": 900})
    page.goto(path.resolve().as_uri())
    found = page.evaluate(_OVERFLOW)
    page.screenshot(path=str(tmp_path / f"report_{width}.png"))
    page.close()
    assert found["scroll"] <= width, found
    assert not found["wide"], found


def test_summary_is_the_first_screen_at_1400_px(report, browser):
    path, _ = report
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    page.goto(path.resolve().as_uri())
    top = page.evaluate(
        "() => [...document.querySelectorAll('ol.findings > li')]"
        ".map(li => li.getBoundingClientRect().top)"
    )
    page.close()
    assert len(top) == 4 and max(top) < 900  # every finding starts on the first screen
