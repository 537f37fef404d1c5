"""The PDF beside the HTML report: printed by headless Chromium, main body within 8 A4 pages.

Skipped where Chromium is not installed (.ci/run installs Debian's package).
"""

from __future__ import annotations

import re

import pytest

from techbloc.report.pdf import CHROMIUM_ARGS, chromium_path, write_pdf

if chromium_path() is None:
    pytest.skip("Chromium is not installed (.ci/run installs it)", allow_module_level=True)


def _pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page\b", pdf))


def test_pdf_beside_the_html_main_body_at_most_eight_a4_pages(report, tmp_path):
    from playwright.sync_api import sync_playwright

    path, _ = report
    pdf = write_pdf(path, tmp_path / "report.pdf").read_bytes()
    assert pdf[:5] == b"%PDF-"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium_path(), args=list(CHROMIUM_ARGS)
        )
        page = browser.new_page()
        page.goto(path.resolve().as_uri())
        page.add_style_tag(content="#appendix, #appendix ~ * { display: none !important; }")
        body = page.pdf(format="A4", prefer_css_page_size=True)
        browser.close()
    assert _pages(body) <= 8 < _pages(pdf)  # the appendix comes after the main body


def test_missing_chromium_is_a_clear_error(report, tmp_path, monkeypatch):
    from techbloc.report import pdf as module

    monkeypatch.setattr(module, "chromium_path", lambda: None)
    path, _ = report
    with pytest.raises(module.PdfUnavailableError, match="apt-get install chromium"):
        module.write_pdf(path, tmp_path / "x.pdf")
    assert not (tmp_path / "x.pdf").exists()
