"""The Pennylane emulator (server.py) and its seed generator (seed.py)."""

from .seed import seed
from .server import ALL_SCOPES, Fault, Grant, PennylaneEmulator, PennylaneState

__all__ = ["ALL_SCOPES", "Fault", "Grant", "PennylaneEmulator", "PennylaneState", "seed"]
