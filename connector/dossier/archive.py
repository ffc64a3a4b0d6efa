"""The zip: numbered pieces under safe names, the bordereau first.

Each piece gets the next number and a name built by :func:`safe_name` from its number, a
stem (an invoice number, a date and a step) and a suffix: an id from a platform never
reaches the archive as it is, so ``../../etc/passwd``, ``C:\\x`` or a control character
can neither leave the archive's root nor break an unzip. The zip is written to a temporary
file beside its target and renamed: never a half-written file.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from connector.channels.base import safe_name, write_atomically
from connector.dossier.cover import Piece
from connector.model import SourceRef

__all__ = ["BORDEREAU", "Archive", "dossier_name"]

BORDEREAU = "00-bordereau.pdf"


def dossier_name(customer_ref: SourceRef, as_of: date) -> str:
    """The zip's file name: ``dossier-<customer id>-<date>.zip``, through safe_name."""
    return safe_name(f"dossier-{customer_ref.external_id}-{as_of.isoformat()}") + ".zip"


def _suffix(suffix: str) -> str:
    bare = safe_name(suffix.lstrip("."), fallback="bin")
    return "." + bare.lower()[:8]


@dataclass(slots=True)
class Archive:
    pieces: list[Piece] = field(default_factory=list)
    _data: list[bytes] = field(default_factory=list)

    def add(self, title: str, stem: str, suffix: str, data: bytes) -> Piece:
        number = len(self.pieces) + 1
        width = max(2, len(str(number)))
        name = f"{number:0{width}d}-{safe_name(stem, fallback='piece')}{_suffix(suffix)}"
        piece = Piece(number, title, name)
        self.pieces.append(piece)
        self._data.append(data)
        return piece

    @property
    def names(self) -> tuple[str, ...]:
        return (BORDEREAU, *(p.name for p in self.pieces))

    def write(self, out: Path, bordereau: bytes) -> None:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr(BORDEREAU, bordereau)
            for piece, data in zip(self.pieces, self._data, strict=True):
                archive.writestr(piece.name, data)
        write_atomically(out, buffer.getvalue())
