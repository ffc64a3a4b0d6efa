"""Settings in Chromium: the identity's live preview follows what is typed, the saved
identity is what the next letter prints; a person added in the app logs in; screenshots of
every section in both languages (/work/notes/shots/settings-*.png when that folder exists)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.sync_api import expect

from tests.web.conftest import log_in
from tests.web.site import Site

SHOTS = Path("/work/notes/shots")
SECTIONS = ("identity", "policy", "connection", "rates", "users")


def _shoot(page: Any, name: str, tmp_path: Path) -> None:
    folder = SHOTS if SHOTS.is_dir() else tmp_path
    page.screenshot(path=str(folder / f"settings-{name}.png"), full_page=True)


def test_the_preview_follows_the_typing_and_the_saved_identity_is_used(
    browser: Any, site: Site, tmp_path: Path
) -> None:
    page = log_in(browser, site, "claire")
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(f"{site.url}/t/lumen/settings/identity")
    page.wait_for_load_state("networkidle")
    email = page.frame(name="email-preview")
    assert email is not None and "Atelier Lumen" in email.content()
    with page.expect_response(
        lambda r: r.url.endswith("/sample-email") and r.request.method == "POST"
    ):
        page.fill("#f-signatory", "Denise Ferrand")
    # typed, not saved: the frame shows it once its new document has loaded
    preview = page.frame_locator("iframe[name=email-preview]").locator("body")
    expect(preview).to_contain_text("Denise Ferrand", timeout=15_000)
    assert "Denise Ferrand" not in (site.folder / "tenants" / "lumen.toml").read_text()
    page.click("button[type=submit].primary")
    page.wait_for_load_state("networkidle")
    assert "Saved" in page.locator("p.notice.ok").inner_text()
    assert 'signatory = "Denise Ferrand"' in (site.folder / "tenants" / "lumen.toml").read_text()
    assert errors == [], errors  # nothing refused by the Content-Security-Policy
    # the next letter the command line prints carries it
    run = site.relance("run", "--tenant", "lumen", "--as-of", "2026-12-21")
    assert run.returncode in (0, 10), run.stderr  # 10: notices held (no rate for the day)
    from email import message_from_bytes, policy

    from pypdf import PdfReader

    saved_at = (site.folder / "tenants" / "lumen.toml").stat().st_mtime
    texts = []
    for path in (site.folder / "outbox").rglob("*"):
        if path.stat().st_mtime < saved_at or path.suffix not in (".eml", ".pdf"):
            continue
        if path.suffix == ".pdf":
            texts.append(" ".join(p.extract_text() for p in PdfReader(path).pages))
        else:
            mail = message_from_bytes(path.read_bytes(), policy=policy.default)
            texts.append(mail.get_body(preferencelist=("plain",)).get_content())
    assert texts, run.stdout
    assert all("Denise Ferrand" in text for text in texts)
    for section in SECTIONS:
        page.goto(f"{site.url}/t/lumen/settings/{section}")
        page.wait_for_load_state("networkidle")
        _shoot(page, f"{section}-en", tmp_path)
    page.context.close()


def test_a_person_added_in_the_app_logs_in_and_a_viewer_sees_no_form(
    browser: Any, site: Site, tmp_path: Path
) -> None:
    page = log_in(browser, site, "claire", locale="fr-FR")
    page.goto(f"{site.url}/t/lumen/settings/users")
    page.fill("form.add-person #f-login", "nina")
    page.fill("form.add-person #f-name", "Nina Petit")
    page.fill("form.add-person #f-password", "ten chars ok")
    page.select_option("form.add-person #f-role", "viewer")
    page.click("form.add-person button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "Nina Petit" in page.locator("table.grid").inner_text()
    for section in SECTIONS:
        page.goto(f"{site.url}/t/lumen/settings/{section}")
        page.wait_for_load_state("networkidle")
        _shoot(page, f"{section}-fr", tmp_path)
    page.context.close()
    context = browser.new_context(locale="en-GB")
    nina = context.new_page()
    nina.goto(f"{site.url}/login")
    nina.fill("input[name=login]", "nina")
    nina.fill("input[name=password]", "ten chars ok")
    nina.click("button[type=submit].primary")
    nina.wait_for_load_state("networkidle")
    nina.goto(f"{site.url}/t/lumen/settings/identity")
    assert "Only a manager" in nina.content()
    assert nina.locator("form.identity-form button[type=submit]").count() == 0
    _shoot(nina, "identity-viewer-en", tmp_path)
    context.close()
