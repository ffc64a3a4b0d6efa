"""One way to talk HTTP to a platform: pooled, timed out, paced, retried, logged safely.

Layers, inside out: a pooled ``requests`` session with relance's User-Agent and a
(connect, read) timeout on every call; a token bucket per (platform, tenant) that keeps the
client under the documented limit; the adapter's ``classify`` (the only code that reads
status codes and error bodies) turning a response into relance's errors; one tenacity
policy that retries transient errors with backoff and jitter, honours ``Retry-After``
(seconds or an HTTP date) up to a cap, and stops after a bounded number of attempts and
seconds. A write that is not idempotent is retried only when the platform refused it
before doing anything (429, or a connection that never opened), or with an idempotency key.
Logs name method, path, status, duration, attempt and the platform's request id: never a
token, a header value, a query string or a body.
"""

from __future__ import annotations

import logging
import random
import threading
import time
import weakref
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    stop_after_delay,
)

from connector import __version__
from connector.clock import Clock
from connector.errors import RateLimited, RelanceError, SourceRejected, SourceUnavailable

__all__ = [
    "HttpClient",
    "HttpPolicy",
    "RateLimiter",
    "WindowLimiter",
    "default_classify",
    "parse_retry_after",
    "shared_limiter",
]

log = logging.getLogger(__name__)

# who wants to know about every request (the daemon's metrics): (platform, status, seconds)
RequestObserver = Callable[[str, int | None, float], None]
_observers: list[RequestObserver] = []


def observe_requests(observer: RequestObserver) -> Callable[[], None]:
    """Call ``observer`` after every request any HttpClient makes; returns the undo."""
    _observers.append(observer)
    return lambda: _observers.remove(observer)


USER_AGENT = f"relance/{__version__} (+https://github.com/relance)"
IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
REQUEST_ID_HEADERS = ("x-request-id", "intuit_tid", "x-correlation-id", "request-id")


@dataclass(frozen=True, slots=True)
class HttpPolicy:
    """A platform's limits, as adapter constants (with a link to the doc that states them)."""

    platform: str
    rate: float  # sustained requests per second
    burst: int = 1
    connect_timeout: float = 5.0
    read_timeout: float = 30.0
    max_attempts: int = 5
    max_elapsed: float = 120.0  # seconds of retrying, at most
    retry_after_cap: float = 60.0  # a longer wait goes back to the caller as RateLimited
    backoff_initial: float = 1.0
    backoff_max: float = 30.0
    # a limit counted over a sliding window ("25 requests per 5 s"): 0 means a plain bucket
    window: float = 0.0
    window_margin: float = 0.1  # seconds added to the window, for clock skew and latency


class RateLimiter:
    """A token bucket on the injected clock: waits before a call rather than bouncing off 429s."""

    def __init__(self, rate: float, burst: int, clock: Clock) -> None:
        self._rate, self._burst, self._clock = rate, float(burst), clock
        self._tokens = float(burst)
        self._stamp = clock.now()
        self._lock = threading.Lock()

    def acquire(self) -> float:
        """Take one token, sleeping as needed; returns the seconds waited."""
        with self._lock:
            now = self._clock.now()
            self._tokens = min(
                self._burst, self._tokens + (now - self._stamp).total_seconds() * self._rate
            )
            self._stamp = now
            wait = 0.0 if self._tokens >= 1 else (1 - self._tokens) / self._rate
            if wait:
                self._clock.sleep(wait)
                self._tokens = 1.0
                self._stamp = self._clock.now()
            self._tokens -= 1
            return wait


class WindowLimiter:
    """At most ``limit`` calls in any ``window`` seconds: the whole burst, then the pace.

    For platforms that count over a sliding window (Pennylane: 25 per 5 s), a token bucket
    either wastes the burst or overshoots the window; this one matches it exactly, plus a
    margin for the difference between when a call leaves and when the server counts it.
    """

    def __init__(self, limit: int, window: float, clock: Clock, margin: float = 0.1) -> None:
        self._limit, self._span = limit, window + margin
        self._clock = clock
        self._sent: deque[datetime] = deque()
        self._lock = threading.Lock()

    def acquire(self) -> float:
        with self._lock:
            now = self._clock.now()
            while self._sent and (now - self._sent[0]).total_seconds() >= self._span:
                self._sent.popleft()
            wait = 0.0
            if len(self._sent) >= self._limit:
                wait = self._span - (now - self._sent[0]).total_seconds()
                self._clock.sleep(wait)
                self._sent.popleft()
            self._sent.append(self._clock.now())
            return wait


_LIMITERS: weakref.WeakValueDictionary[tuple[str, str, int], RateLimiter | WindowLimiter] = (
    weakref.WeakValueDictionary()
)
_LIMITERS_LOCK = threading.Lock()


def shared_limiter(policy: HttpPolicy, tenant: str, clock: Clock) -> RateLimiter | WindowLimiter:
    """One limiter per (platform, tenant) in the process, however many clients talk to it.

    The platform counts per token, so a sync and a webhook re-read of the same tenant share
    one budget. (Across processes, one replica at a time works a tenant: see the daemon.)
    """
    key = (policy.platform, tenant, id(clock))
    with _LIMITERS_LOCK:
        limiter = _LIMITERS.get(key)
        if limiter is None:
            limiter = (
                WindowLimiter(policy.burst, policy.window, clock, policy.window_margin)
                if policy.window
                else RateLimiter(policy.rate, policy.burst, clock)
            )
            _LIMITERS[key] = limiter
        return limiter


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """``Retry-After`` in seconds, from either form it takes (delta seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())


def _request_id(response: requests.Response) -> str | None:
    for name in REQUEST_ID_HEADERS:
        if value := response.headers.get(name):
            return value
    return None


Classify = Callable[[requests.Response, HttpPolicy, datetime], None]


def default_classify(response: requests.Response, policy: HttpPolicy, now: datetime) -> None:
    """Status -> error, for platforms without their own table. Bodies are never quoted."""
    status, request_id = response.status_code, _request_id(response)
    if status < 400:
        return
    where = f"{policy.platform} answered HTTP {status}"
    if status == 429:
        raise RateLimited(
            f"{where} (too many requests)",
            platform=policy.platform,
            retry_after=parse_retry_after(response.headers.get("retry-after"), now),
            request_id=request_id,
        )
    if status >= 500:
        raise SourceUnavailable(
            where,
            platform=policy.platform,
            status=status,
            request_id=request_id,
            hint="relance will retry later",
        )
    raise SourceRejected(where, platform=policy.platform, status=status, request_id=request_id)


class HttpClient:
    """The session factory's product: one per (platform, tenant), never a process global."""

    def __init__(
        self,
        policy: HttpPolicy,
        *,
        base_url: str,
        tenant: str,
        clock: Clock,
        auth: requests.auth.AuthBase | None = None,
        classify: Classify = default_classify,
        limiter: RateLimiter | WindowLimiter | None = None,
    ) -> None:
        self.policy, self.tenant, self._clock = policy, tenant, clock
        self._base = base_url.rstrip("/")
        self._classify = classify
        self._limiter = limiter or shared_limiter(policy, tenant, clock)
        self.session = requests.Session()
        adapter = HTTPAdapter(pool_connections=4, pool_maxsize=10, max_retries=0)
        self.session.mount("https://", adapter)
        self.session.mount("http://", adapter)
        self.session.headers["User-Agent"] = USER_AGENT
        self.session.auth = auth

    def close(self) -> None:
        self.session.close()

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        data: bytes | None = None,
        files: Mapping[str, tuple[str, bytes, str]] | None = None,
        headers: Mapping[str, str] | None = None,
        idempotency_key: str | None = None,
        attempts: int | None = None,
    ) -> requests.Response:
        """One call, retried per the policy (``attempts`` caps it, e.g. 1 for a quick probe)."""
        method = method.upper()
        extra = dict(headers or {})
        if idempotency_key:
            extra["Idempotency-Key"] = idempotency_key
        replayable = method in IDEMPOTENT or idempotency_key is not None
        attempt = 0

        def call() -> requests.Response:
            nonlocal attempt
            attempt += 1
            return self._once(
                method, path, params, json, files, extra, attempt, replayable, data=data
            )

        retrying = Retrying(
            stop=stop_after_attempt(attempts or self.policy.max_attempts)
            | stop_after_delay(self.policy.max_elapsed),
            wait=self._wait,
            retry=retry_if_exception(lambda e: isinstance(e, RelanceError) and e.transient),
            sleep=self._clock.sleep,
            reraise=True,
        )
        return retrying(call)

    def _wait(self, state: RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome else None
        if isinstance(error, RateLimited) and error.retry_after is not None:
            return error.retry_after
        ceiling = min(
            self.policy.backoff_max, self.policy.backoff_initial * 2 ** (state.attempt_number - 1)
        )
        return random.uniform(0, ceiling)  # noqa: S311 - jitter, not a secret

    def _once(
        self,
        method: str,
        path: str,
        params: Mapping[str, Any] | None,
        body: Any,
        files: Mapping[str, tuple[str, bytes, str]] | None,
        headers: Mapping[str, str],
        attempt: int,
        replayable: bool,
        *,
        data: bytes | None = None,
    ) -> requests.Response:
        self._limiter.acquire()
        started = time.perf_counter()
        url = f"{self._base}/{path.lstrip('/')}"
        try:
            response = self.session.request(
                method,
                url,
                params=params,
                json=body,
                data=data,
                files=files,
                headers=headers,
                timeout=(self.policy.connect_timeout, self.policy.read_timeout),
            )
        except requests.ConnectionError as exc:
            never_sent = isinstance(exc, requests.ConnectTimeout) or "refused" in str(exc).lower()
            error = SourceUnavailable(
                f"{self.policy.platform} unreachable ({type(exc).__name__})",
                platform=self.policy.platform,
                hint="relance will retry later",
            )
            error.transient = replayable or never_sent
            self._log(method, path, None, started, attempt, None)
            raise error from None
        except requests.Timeout:
            error = SourceUnavailable(
                f"{self.policy.platform} did not answer in time", platform=self.policy.platform
            )
            error.transient = replayable  # the write may have landed: no blind retry
            self._log(method, path, None, started, attempt, None)
            raise error from None
        self._log(method, path, response.status_code, started, attempt, _request_id(response))
        try:
            self._classify(response, self.policy, self._clock.now())
        except RateLimited as exc:
            if exc.retry_after is not None and exc.retry_after > self.policy.retry_after_cap:
                exc.transient = False  # too long to wait here: the cycle reschedules the tenant
            raise
        except SourceUnavailable as exc:
            exc.transient = replayable
            raise
        return response

    def _log(
        self,
        method: str,
        path: str,
        status: int | None,
        started: float,
        attempt: int,
        request_id: str | None,
    ) -> None:
        elapsed = time.perf_counter() - started
        for observer in tuple(_observers):
            observer(self.policy.platform, status, elapsed)
        log.info(
            "%s %s %s %.0fms attempt=%d platform=%s tenant=%s request_id=%s",
            method,
            path.split("?")[0],
            status if status is not None else "no-response",
            elapsed * 1000,
            attempt,
            self.policy.platform,
            self.tenant,
            request_id or "-",
        )
