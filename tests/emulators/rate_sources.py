"""The four official rate series on loopback, answering with the recorded bodies in
``tests/fixtures/rates/`` (see its README for each format and where it is documented).

Each publisher has its own prefix, as its own host would: ``/ecb/service``, ``/boe/boeapps
/database``, ``/bbk/rest``, ``/webstat/api/explore/v2.1``; ``base_urls()`` gives them as
relance's ``[rate_sources]`` settings. A test can make one answer an HTTP status or another
body (``fail``), and reads what was asked (``seen``). Webstat answers 401 without its API key.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

__all__ = ["FIXTURES", "RateSources", "serving"]

FIXTURES = Path(__file__).parents[1] / "fixtures" / "rates"
WEBSTAT_KEY = "test-webstat-key"

# path -> (fixture file, content type)
ROUTES: dict[str, tuple[str, str]] = {
    "/ecb/service/data/FM/B.U2.EUR.4F.KR.MRR_FR.LEV": ("ecb_mro_fr.csv", "text/csv"),
    "/boe/boeapps/database/_iadb-fromshowcolumns.asp": ("boe_iudbedr.csv", "text/csv"),
    "/bbk/rest/data/BBK01/SU0115": ("bundesbank_su0115.csv", "text/csv"),
    "/webstat/api/explore/v2.1/catalog/datasets/observations/exports/json": (
        "webstat_legal_rate.json",
        "application/json",
    ),
}
NAMES = {"ecb": "/ecb/", "boe": "/boe/", "bundesbank": "/bbk/", "webstat": "/webstat/"}


class RateSources(ThreadingHTTPServer):
    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.failures: dict[str, tuple[int, bytes]] = {}  # publisher -> (status, body)
        self.seen: list[tuple[str, dict[str, list[str]], dict[str, str]]] = []

    @property
    def origin(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"

    def base_urls(self) -> dict[str, str]:
        return {
            "ecb_url": f"{self.origin}/ecb/service",
            "boe_url": f"{self.origin}/boe/boeapps/database",
            "bundesbank_url": f"{self.origin}/bbk/rest",
            "webstat_url": f"{self.origin}/webstat/api/explore/v2.1",
        }

    def fail(self, publisher: str, status: int, body: bytes = b"") -> None:
        """``publisher`` (ecb, boe, bundesbank, webstat) answers ``status`` with ``body``."""
        self.failures[publisher] = (status, body)


class _Handler(BaseHTTPRequestHandler):
    server: RateSources

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        self.server.seen.append((parts.path, parse_qs(parts.query), dict(self.headers)))
        publisher = next((n for n, p in NAMES.items() if parts.path.startswith(p)), None)
        route = ROUTES.get(parts.path)
        if publisher in self.server.failures:
            status, body = self.server.failures[publisher]
            self._send(status, body, "text/html" if status >= 400 else "text/csv")
        elif route is None:
            self._send(404, b"<html><body>Not found</body></html>", "text/html")
        elif publisher == "webstat" and self.headers.get("Authorization") != (
            f"Apikey {WEBSTAT_KEY}"
        ):
            self._send(401, b'{"error": "invalid api key"}', "application/json")
        else:
            name, kind = route
            self._send(200, (FIXTURES / name).read_bytes(), kind)

    def _send(self, status: int, body: bytes, kind: str) -> None:
        self.send_response(status)
        self.send_header("content-type", f"{kind}; charset=utf-8")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@contextmanager
def serving() -> Iterator[RateSources]:
    server = RateSources()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
