"""Pennylane (Company API v2). So far: the OAuth endpoints; the adapter comes with issue 4."""
