"""The Pennylane emulator (server.py, its state, records and subscriptions) and its seed."""

from .seed import seed
from .server import ALL_SCOPES, Fault, Grant, PennylaneEmulator, PennylaneState
from .state import API_2026_04, API_LATER, Exchange

__all__ = [
    "ALL_SCOPES",
    "API_2026_04",
    "API_LATER",
    "Exchange",
    "Fault",
    "Grant",
    "PennylaneEmulator",
    "PennylaneState",
    "seed",
]
