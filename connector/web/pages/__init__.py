"""The web app's pages, one module per screen; each exposes ``router``."""
