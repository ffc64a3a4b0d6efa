"""The logo on letters, uploaded from Settings > Identity: taken only as a real PNG or JPEG
of at most 2 MiB that decodes whole, kept beside the tenant file for relance's user alone,
printed on the sample notice at once; a refused file changes nothing; a viewer sees it and
changes nothing; each change is in the journal."""

from __future__ import annotations

import io
import re
import struct
import subprocess
import tomllib
import zlib
from pathlib import Path

import requests
from PIL import Image

from tests.web.site import DEMO_TENANT, Site

IDENTITY = f"/t/{DEMO_TENANT}/settings/identity"


def _image(kind: str, size: tuple[int, int] = (321, 97)) -> bytes:
    picture = Image.new("RGB", size, (200, 40, 40))
    picture.paste((20, 60, 160), (10, 10, size[0] // 2, size[1] - 10))
    out = io.BytesIO()
    picture.save(out, format=kind)
    return out.getvalue()


def _logo_key(site: Site) -> str | None:
    tenant = tomllib.loads((site.folder / "tenants" / f"{DEMO_TENANT}.toml").read_text())
    logo = tenant["creditor"].get("logo")
    return str(logo) if logo is not None else None


def _upload(http: requests.Session, site: Site, name: str, data: bytes, kind: str) -> str:
    answer = http.post(
        site.url + IDENTITY + "/logo",
        files={"logo": (name, data, kind)},
        allow_redirects=False,
        timeout=30,
    )
    return f"{answer.status_code} {answer.headers.get('location', '')} {answer.text}"


def _declared(width: int, height: int) -> bytes:
    """A PNG of a few bytes whose header declares ``width`` x ``height`` pixels."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IEND", b"")


def _red_in_letterhead(pdf: bytes, folder: Path) -> int:
    """How many pixels of the notice's first page, printed at 50 dpi, are the test logo's
    red, in the letterhead's corner (the top left, 90 x 40 mm)."""
    (folder / "notice.pdf").write_bytes(pdf)
    subprocess.run(
        [
            "pdftoppm",
            "-png",
            "-r",
            "50",
            "-singlefile",
            str(folder / "notice.pdf"),
            str(folder / "page"),
        ],
        check=True,
        timeout=60,
    )
    with Image.open(folder / "page.png") as page:
        corner = page.convert("RGB").crop((0, 0, 177, 79)).tobytes()
    pixels = zip(corner[0::3], corner[1::3], corner[2::3], strict=True)
    return sum(1 for r, g, b in pixels if abs(r - 200) < 30 and g < 80 and b < 80)


def _shown(page: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", page).split())


def test_a_manager_uploads_replaces_and_removes_the_logo(site: Site, tmp_path: Path) -> None:
    bundled = _logo_key(site)  # the demo names the sample ledger's logo by hand
    assert bundled and bundled.endswith("logo.png")
    claire = site.client("claire")
    before = claire.get(site.url + IDENTITY + "/sample-notice.pdf", timeout=60).content
    assert _red_in_letterhead(before, tmp_path) == 0
    csrf = claire.headers.pop("X-CSRF-Token")  # as the browser sends it: a field of the form
    png = _image("PNG")
    answer = claire.post(
        site.url + IDENTITY + "/logo",
        files={"logo": ("Logo Atelier.png", png, "image/png")},
        data={"csrf": csrf},
        allow_redirects=False,
        timeout=30,
    )
    assert answer.status_code == 303, answer.text
    assert answer.headers["location"] == IDENTITY + "?saved=logo#logo"
    claire.headers["X-CSRF-Token"] = csrf
    kept = site.folder / "tenants" / "lumen.logo.png"
    assert _logo_key(site) == "lumen.logo.png" and kept.read_bytes() == png
    assert kept.stat().st_mode & 0o777 == 0o600
    served = claire.get(site.url + IDENTITY + "/logo", timeout=30)
    assert served.content == png and served.headers["content-type"] == "image/png"
    assert served.headers["cache-control"] == "private, no-store"
    page = claire.get(site.url + IDENTITY + "?saved=logo", timeout=30).text
    assert f'src="{IDENTITY}/logo?v=' in page and "Logo saved" in page
    notice = claire.get(site.url + IDENTITY + "/sample-notice.pdf", timeout=60).content
    assert b"/Subtype /Image" in notice and b"/Width 321" in notice and b"/Height 97" in notice
    assert _red_in_letterhead(notice, tmp_path) > 1000  # printed where the letterhead starts

    # refused, each with what to do, and nothing changes
    claire.headers["Accept-Language"] = "fr"
    cases = {
        "notes.png": (b"not a picture at all, only words", "n’est pas une image PNG ou JPEG"),
        "anim.gif": (_image("GIF"), "n’est pas une image PNG ou JPEG"),
        "cut.png": (png[:120], "L’image est illisible"),
        "dot.png": (_image("PNG", (4, 4)), "entre 16 et 2000 pixels"),
        "wide.png": (_image("PNG", (2400, 300)), "exportez le logo sur 600 pixels"),
        "bomb.png": (_declared(20000, 20000), "entre 16 et 2000 pixels"),
        "big.png": (png + b"\0" * (3 * 1024 * 1024), "Le fichier dépasse 2 Mio"),
    }
    for name, (data, said) in cases.items():
        refused = _upload(claire, site, name, data, "image/png")
        assert refused.startswith(("400 ", "413 ")), (name, refused[:200])
        assert said in _shown(refused), (name, _shown(refused)[:600])
        assert _logo_key(site) == "lumen.logo.png" and kept.read_bytes() == png, name
    assert not [p.name for p in kept.parent.iterdir() if p.name.startswith(".")]  # no leftover

    # a viewer sees it and changes nothing
    victor = site.client("victor")
    assert victor.get(site.url + IDENTITY + "/logo", timeout=30).content == png
    assert "Envoyer le logo" not in victor.get(site.url + IDENTITY, timeout=30).text
    assert _upload(victor, site, "x.jpg", _image("JPEG"), "image/jpeg").startswith("403 ")
    assert victor.post(site.url + IDENTITY + "/logo/remove", timeout=30).status_code == 403

    # replaced by a JPEG: the PNG relance wrote goes
    jpeg = _image("JPEG")
    assert _upload(claire, site, "logo.jpg", jpeg, "image/jpeg").startswith("303 ")
    assert _logo_key(site) == "lumen.logo.jpg" and not kept.exists()
    assert claire.get(site.url + IDENTITY + "/logo", timeout=30).headers["content-type"] == (
        "image/jpeg"
    )
    # removed: no key, no file of relance's; the logo named by hand before is left alone
    gone = claire.post(site.url + IDENTITY + "/logo/remove", allow_redirects=False, timeout=30)
    assert gone.status_code == 303 and _logo_key(site) is None
    assert not (site.folder / "tenants" / "lumen.logo.jpg").exists()
    assert (site.folder / "tenants").joinpath(bundled).exists()
    assert claire.get(site.url + IDENTITY + "/logo", timeout=30).status_code == 404
    page = claire.get(site.url + IDENTITY, timeout=30).text
    assert "Pas de logo" in page
    with site.store() as store:
        changes = [
            e.payload
            for e in store.journal(DEMO_TENANT, limit=20)
            if e.payload.get("section") == "identity"
        ]
    assert [c.get("logo") for c in changes] == [None, "lumen.logo.jpg", "lumen.logo.png"]
    assert {c["by"] for c in changes} == {"claire"}
