"""File sources: relance's CSV ledger and the French FEC export, plus the demo's sample."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from .csvformat import Ledger, load_csv_ledger
from .fec import load_fec
from .source import FileSource

__all__ = ["FileSource", "Ledger", "load_csv_ledger", "load_fec", "sample_dir"]


def sample_dir() -> Path:
    """The bundled sample ledger (a small French business) used by `relance demo`."""
    return Path(str(files("adapters.files") / "sample"))
