"""The Odoo external-API emulator (JSON-2 and JSON-RPC) and a seed generator."""

from .seed import seed
from .server import OdooEmulator, OdooState

__all__ = ["OdooEmulator", "OdooState", "seed"]
