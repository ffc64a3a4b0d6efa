"""The QuickBooks Online emulator (server.py, api.py, query.py, state.py) and its seed."""

from .query import run_query
from .seed import Seeded, seed
from .server import QuickBooksEmulator
from .state import REALM, Fault, QuickBooksState
from .wire import dumps

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
