"""relance: chase unpaid customer invoices from inside the accounting tool already in use.

The core (this package) never imports an adapter. Adapters register themselves under the
``relance.sources`` entry point group and are looked up by name.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("relance")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
