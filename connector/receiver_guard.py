"""What a webhook delivery must show before the receiver reads its body, and the one answer
an anonymous caller gets when it does not.

Before a byte of the body is read, the receiver checks, without touching the tenant's
source or secret: that the tenant exists on that platform (``TenantDirectory``, a list
kept in memory) and that the platform's signature header is there and has the platform's
shape (``signature_problem``: a Pennylane timestamp of at most 12 digits and a 64-digit hex
MAC, a base64 SHA-256 for QuickBooks, a URL-safe token for Odoo). Whatever fails, the
caller gets ``refused()``: the same status and words whether the tenant is unknown, on
another platform, not configured for webhooks, or the signature wrong; the reason goes to
the log only, so the receiver does not tell strangers which tenants exist or how they are
set up.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable, Mapping

from fastapi.responses import JSONResponse
from sqlalchemy.exc import SQLAlchemyError

from connector.errors import RelanceError
from connector.model import Platform
from connector.store import Store

__all__ = [
    "METRIC_PLATFORMS",
    "REFUSED_ERROR",
    "Admission",
    "TenantDirectory",
    "metric_platform",
    "refused",
    "signature_problem",
]

log = logging.getLogger("connector.receiver")
REFUSED_ERROR = "delivery refused"
REFUSED_HINT = (
    "check the webhook address and its secret at the platform; the receiver's log says why"
)
# platforms a metric may name; any other name in a request's path counts as "other"
METRIC_PLATFORMS = frozenset(str(p) for p in Platform)

_PENNYLANE_TIMESTAMP = re.compile(r"[0-9]{1,12}")  # unix seconds; 12 digits is year 33658
_HEX_SHA256 = re.compile(r"[0-9a-fA-F]{64}")
_BASE64_SHA256 = re.compile(r"[A-Za-z0-9+/]{43}=")
_URL_TOKEN = re.compile(r"[A-Za-z0-9_.~-]{8,256}")
_MAX_SIGNATURE_HEADER = 1024


def refused(status: int = 401) -> JSONResponse:
    """The answer to a delivery refused before its signature was found good: always the same
    words; the connection is closed (what is left of the body is not read)."""
    return JSONResponse(
        {"error": REFUSED_ERROR, "hint": REFUSED_HINT},
        status_code=status,
        headers={"connection": "close"},
    )


def metric_platform(platform: str) -> str:
    """A platform as a metric label: one of relance's, or "other" (a path names anything)."""
    return platform if platform in METRIC_PLATFORMS else "other"


def _header(headers: Mapping[str, str], name: str) -> str:
    return next((v for k, v in headers.items() if k.lower() == name), "")


def signature_problem(platform: str, headers: Mapping[str, str]) -> str | None:
    """Why the delivery's signature header cannot be a real one (None: it has the platform's
    shape). Nothing is verified here: the tenant's source does that, once the body is in."""
    if platform == Platform.PENNYLANE:
        header = _header(headers, "x-pennylane-signature")
        if not header:
            return "no X-Pennylane-Signature header"
        if len(header) > _MAX_SIGNATURE_HEADER:
            return "an X-Pennylane-Signature header too long to be one"
        parts = dict(p.strip().split("=", 1) for p in header.split(",") if "=" in p)
        if not _PENNYLANE_TIMESTAMP.fullmatch(parts.get("t", "")):
            return "an X-Pennylane-Signature without a timestamp of at most 12 digits"
        if not _HEX_SHA256.fullmatch(parts.get("v1", "")):
            return "an X-Pennylane-Signature without a 64-digit hex v1"
        return None
    if platform == Platform.QUICKBOOKS:
        header = _header(headers, "intuit-signature").strip()
        if not header:
            return "no intuit-signature header"
        if not _BASE64_SHA256.fullmatch(header):
            return "an intuit-signature that is not a base64 SHA-256"
        return None
    if platform == Platform.ODOO:
        token = _header(headers, "x-relance-token")
        if not token:
            return "no token in the address"
        if not _URL_TOKEN.fullmatch(token):
            return "a token that is not one relance makes"
        return None
    return f"{platform[:40]!r} sends no webhooks relance reads"


class Admission:
    """How many deliveries the receiver holds at once, and how many bytes their bodies may
    take (as announced, or ``max_body`` when not): one beyond either is answered 503 at once,
    so that a flood of slow or large requests takes neither every slot nor the memory. Used
    from the event loop only."""

    def __init__(self, requests: int, body_bytes: int, max_body: int) -> None:
        self.requests, self.max_body = requests, max_body
        self.body_bytes = max(body_bytes, max_body)  # one full-size delivery always fits
        self.held = self.bytes_held = 0

    def size(self, content_length: str) -> int:
        return int(content_length) if content_length.isdigit() else self.max_body

    def enter(self, size: int) -> bool:
        if self.held >= self.requests or self.bytes_held + size > self.body_bytes:
            return False
        self.held += 1
        self.bytes_held += size
        return True

    def leave(self, size: int) -> None:
        self.held -= 1
        self.bytes_held -= size


class TenantDirectory:
    """Which tenants exist, and on which platform: the store's list, read again once a
    ``ttl``, and sooner (at most once per ``recheck`` seconds) when a slug not in it is asked
    for, so that a tenant just added is found within seconds while a flood of made-up slugs
    costs at most one query per ``recheck``. When the store does not answer, the last list
    read stands."""

    def __init__(
        self,
        store: Store,
        *,
        ttl: float = 60.0,
        recheck: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.store, self.ttl, self.recheck, self.clock = store, ttl, recheck, clock
        self._platforms: dict[str, str] = {}
        self._read_at: float | None = None
        self._lock = threading.Lock()

    def due(self, slug: str) -> bool:
        """Whether answering for ``slug`` needs the store (to be asked off the event loop)."""
        if self._read_at is None:
            return True
        age = self.clock() - self._read_at
        return age >= self.ttl or (slug not in self._platforms and age >= self.recheck)

    def platform_of(self, slug: str) -> str | None:
        """The tenant's platform, or None when there is no such tenant."""
        if self.due(slug):
            with self._lock:
                if self.due(slug):
                    self._read()
        return self._platforms.get(slug)

    def _read(self) -> None:
        try:
            records = self.store.tenants()
        except (RelanceError, SQLAlchemyError) as exc:
            if self._read_at is None:
                raise  # nothing read yet: the caller answers 503
            log.warning("the tenant list was not read again (the last one stands): %s", exc)
            self._read_at = self.clock() - self.ttl + self.recheck  # tried again soon
            return
        self._platforms = {r.slug: str(r.platform) for r in records}
        self._read_at = self.clock()
