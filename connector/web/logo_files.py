"""The company's logo on letters, uploaded from Settings > Identity.

An upload is taken only if it is a PNG or a JPEG by its first bytes (not by its name or the
type the browser claims), at most :data:`MAX_BYTES`, at most :data:`MAX_SIDE` pixels a side
(its header says so before anything is decoded: a 2 MiB PNG of one colour can declare
8000 x 8000 pixels, which cost every letter two seconds and a gigabyte of memory to embed,
for a box of 60 x 18 mm that 600 pixels fill sharply), an image Pillow decodes whole, and
one fpdf2 embeds in a PDF as the letters will. It is written beside the tenant file as
``<slug>.logo.png`` or ``.jpg`` — to a temporary file first, readable by relance's user
alone, renamed over the old one — and only then does the tenant file's ``[creditor] logo``
name it (checked as the daemon will read it). A refused file changes nothing.

Removing deletes the key and the files this module wrote; a logo the tenant file names
elsewhere (written by hand) is left where it is, only no longer named."""

from __future__ import annotations

import io
import os
import tempfile
import warnings
from pathlib import Path

import tomlkit
from fpdf import FPDF
from fpdf.errors import FPDFException

from connector.settings import tenant_config_from_text
from connector.web.tenant_files import write_atomically

__all__ = ["MAX_BYTES", "MAX_SIDE", "LogoRefused", "remove_logo", "save_logo"]

MAX_BYTES = 2 * 1024 * 1024
_MAGIC = {b"\x89PNG\r\n\x1a\n": ".png", b"\xff\xd8\xff": ".jpg"}
MAX_SIDE = 2000  # pixels; fewer than 16 is not a logo


def _(text: str) -> str:
    return text


class LogoRefused(ValueError):
    """Why an upload is not taken (an English text, translated when shown)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _suffix(data: bytes) -> str:
    if not data:
        raise LogoRefused(_("Choose a PNG or JPEG file first."))
    if len(data) > MAX_BYTES:
        raise LogoRefused(
            _(
                "The file is over 2 MiB: export the logo smaller (a few hundred pixels "
                "wide is plenty)."
            )
        )
    for magic, suffix in _MAGIC.items():
        if data.startswith(magic):
            return suffix
    raise LogoRefused(
        _(
            "This file is not a PNG or JPEG image (whatever its name says): export the "
            "logo as PNG or JPEG."
        )
    )


_TOO_BIG = _(
    "The image must be between 16 and 2000 pixels on each side: export the logo about "
    "600 pixels wide."
)


def _check_image(data: bytes) -> None:
    from PIL import Image, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                if not all(16 <= side <= MAX_SIDE for side in image.size):
                    raise LogoRefused(_TOO_BIG)
                image.load()  # decodes it all: a truncated or corrupt file fails here
            _embed(data)
    except LogoRefused:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise LogoRefused(_TOO_BIG) from None  # its header alone declares too many pixels
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Warning, FPDFException):
        raise LogoRefused(
            _("The image cannot be read (damaged or cut short): export it again.")
        ) from None


def _embed(data: bytes) -> None:
    """``data`` placed in a PDF the way the letters place it (fpdf2 reads it again)."""
    pdf = FPDF()
    pdf.add_page()
    pdf.image(io.BytesIO(data), x=20, y=12, w=60, h=18, keep_aspect_ratio=True)
    pdf.output()


def _private_copy(folder: Path, data: bytes, suffix: str) -> Path:
    """``data`` in a new file of ``folder`` readable by relance's user alone, flushed."""
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=".logo.", suffix=f".new{suffix}")
    try:
        os.fchmod(handle, 0o600)
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return Path(temporary)


def _ours(tenant_file: Path, slug: str) -> list[Path]:
    return [tenant_file.parent / f"{slug}.logo{suffix}" for suffix in (".png", ".jpg")]


def _with_logo_key(tenant_file: Path, name: str | None) -> str:
    """The tenant file's text with ``[creditor] logo`` set to ``name`` (removed if None),
    checked as the daemon will read it (the file ``name`` names must exist)."""
    document = tomlkit.parse(tenant_file.read_text(encoding="utf-8"))
    creditor = document.get("creditor")
    if creditor is None:
        creditor = tomlkit.table()
        document["creditor"] = creditor
    if name is None:
        creditor.pop("logo", None)
    else:
        creditor["logo"] = name
    text = tomlkit.dumps(document)
    tenant_config_from_text(text, tenant_file)
    return text


def save_logo(tenant_file: Path, slug: str, data: bytes) -> Path:
    """Checks ``data`` (LogoRefused says why not), writes it and names it in the tenant
    file; returns the logo's path. Nothing changes until every check has passed."""
    suffix = _suffix(data)
    _check_image(data)
    target = tenant_file.parent / f"{slug}.logo{suffix}"
    fresh = _private_copy(tenant_file.parent, data, suffix)
    try:
        _with_logo_key(tenant_file, fresh.name)  # the rest of the tenant file loads with it
    except BaseException:
        fresh.unlink(missing_ok=True)
        raise
    os.replace(fresh, target)
    write_atomically(tenant_file, _with_logo_key(tenant_file, target.name))
    for other in _ours(tenant_file, slug):
        if other != target:
            other.unlink(missing_ok=True)
    return target


def remove_logo(tenant_file: Path, slug: str) -> None:
    write_atomically(tenant_file, _with_logo_key(tenant_file, None))
    for ours in _ours(tenant_file, slug):
        ours.unlink(missing_ok=True)
