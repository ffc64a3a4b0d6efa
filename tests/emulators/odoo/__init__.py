"""The Odoo external-API emulator (JSON-2 and JSON-RPC) and a seed generator."""

from .seed import invoice_move, seed
from .server import OdooEmulator, OdooState

__all__ = ["OdooEmulator", "OdooState", "invoice_move", "seed"]
