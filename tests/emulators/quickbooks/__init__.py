"""The QuickBooks Online emulator (server.py) and its seed generator (seed.py)."""

from .seed import Seeded, seed
from .server import REALM, Fault, QuickBooksEmulator, QuickBooksState, dumps, run_query

__all__ = [
    "REALM",
    "Fault",
    "QuickBooksEmulator",
    "QuickBooksState",
    "Seeded",
    "dumps",
    "run_query",
    "seed",
]
