"""The report as PDF: the HTML report printed by headless Chromium (A4, the report's print
CSS: main body first, the appendix from a new page).

Chromium is driven through Playwright, which is a dependency of the ``dev`` extra; the
browser is the system's (Debian's ``chromium`` package: ``apt-get install chromium``), or
the one ``TECHBLOC_CHROMIUM`` names. Playwright's own browser download is not used.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from techbloc.errors import Error

__all__ = ["PdfUnavailableError", "chromium_path", "write_pdf"]

#: Flags for a headless Chromium run as root in a container, without network chatter.
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)


class PdfUnavailableError(Error):
    """The PDF cannot be printed here (no Chromium, or no Playwright)."""


def chromium_path() -> str | None:
    """The Chromium executable to print with: ``TECHBLOC_CHROMIUM``, else ``chromium`` on
    the PATH, else ``/usr/bin/chromium`` if present; None when there is none."""
    for candidate in (
        os.environ.get("TECHBLOC_CHROMIUM"),
        shutil.which("chromium"),
        "/usr/bin/chromium",
    ):
        if candidate and Path(candidate).exists():
            return candidate
    return None


def write_pdf(html: str | Path, out: str | Path | None = None) -> Path:
    """Print an HTML report to an A4 PDF with headless Chromium.

    Parameters
    ----------
    html : str or Path
        The HTML report (self-contained: nothing is loaded from elsewhere).
    out : str or Path, optional
        PDF to write (default: beside ``html``, same stem). Written atomically.

    Returns
    -------
    Path
        The PDF written.

    Raises
    ------
    PdfUnavailableError
        When Playwright or Chromium is missing (the message says how to install them).
    """
    html = Path(html).resolve()
    out = Path(out) if out is not None else html.with_suffix(".pdf")
    executable = chromium_path()
    if executable is None:
        raise PdfUnavailableError(
            "no Chromium to print the PDF with: install it (Debian/Ubuntu: "
            "`apt-get install chromium`) or set TECHBLOC_CHROMIUM to its path; the HTML "
            f"report {html} is complete without it"
        )
    try:
        from playwright.sync_api import Error as PlaywrightError
        from playwright.sync_api import sync_playwright
    except ImportError:
        raise PdfUnavailableError(
            "printing the PDF needs Playwright: pip install 'techbloc[dev]' (or playwright)"
        ) from None
    out.parent.mkdir(parents=True, exist_ok=True)
    temp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=executable, args=list(CHROMIUM_ARGS)
            )
            try:
                page = browser.new_page()
                page.goto(html.as_uri(), wait_until="load")
                page.pdf(
                    path=str(temp),
                    format="A4",
                    print_background=True,
                    prefer_css_page_size=True,
                    display_header_footer=True,
                    header_template="<span></span>",
                    footer_template=(
                        '<div style="font-size:7pt;width:100%;text-align:center;color:#5f6b77">'
                        '<span class="pageNumber"></span> / <span class="totalPages"></span>'
                        "</div>"
                    ),
                )
            finally:
                browser.close()
    except PlaywrightError as exc:
        temp.unlink(missing_ok=True)
        raise PdfUnavailableError(f"Chromium could not print {html}: {exc}") from None
    os.replace(temp, out)
    return out
