"""The dashboard in Chromium: the page says the figures are being computed, its poll swaps
the charts in; each chart is an SVG with its title, in French and in English; nothing is
refused by the Content-Security-Policy. Screenshots of both languages
(/work/notes/shots/dashboard-*.png when that folder exists)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.web.conftest import log_in
from tests.web.site import DEMO_TENANT, Site

SHOTS = Path("/work/notes/shots")
TITLES = {
    "fr": (
        "Balance âgée (EUR)",
        "DSO (jours) — EUR",
        "Encaissé après chaque étape (EUR)",
        "Promesses de paiement",
        "Encaissements attendus sur 30 jours (EUR)",
    ),
    "en": (
        "Aged balance (EUR)",
        "DSO (days) — EUR",
        "Collected after each step (EUR)",
        "Promises to pay",
        "Cash expected in the next 30 days (EUR)",
    ),
}


def _charts(page: Any, site: Site, language: str, tmp_path: Path) -> None:
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{site.url}/t/{DEMO_TENANT}/dashboard")
    page.wait_for_selector("svg.chart-aged", timeout=60_000)  # swapped in by the poll
    page.wait_for_load_state("networkidle")
    titles = page.locator("svg.chart > title").all_text_contents()
    assert list(TITLES[language]) == [t for t in titles if t in TITLES[language]], titles
    for kind in ("aged", "dso", "steps", "promises", "expected"):
        chart = page.locator(f"svg.chart-{kind}").first
        assert chart.is_visible()
        box = chart.bounding_box()
        assert box is not None and box["width"] > 300
        if kind == "expected":  # the demo's promises and plans are behind it by now
            assert chart.locator("rect, text").count() > 1
        else:
            assert chart.locator("rect, circle").count() > 1, kind  # a legend, bars or points
    assert page.locator("figure.chart-figure figcaption").count() >= 5
    assert page.locator("table.grid.compact").count() >= 5
    assert errors == [], errors  # nothing refused by the Content-Security-Policy
    folder = SHOTS if SHOTS.is_dir() else tmp_path
    page.screenshot(path=str(folder / f"dashboard-{language}.png"), full_page=True)


@pytest.mark.reads_only
def test_the_charts_render_in_french_and_english(browser: Any, site: Site, tmp_path: Path) -> None:
    french = log_in(browser, site, "claire", locale="fr-FR")
    _charts(french, site, "fr", tmp_path)
    assert "Tableau de bord" in french.locator("h1").inner_text()
    english = log_in(browser, site, "victor", locale="en-GB")
    _charts(english, site, "en", tmp_path)
    assert english.locator("h1").inner_text() == "Dashboard"
