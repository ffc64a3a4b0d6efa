"""Odoo: the external-API adapter (JSON-2 / JSON-RPC)."""
