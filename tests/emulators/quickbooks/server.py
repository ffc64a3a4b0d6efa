"""A stateful QuickBooks Online Accounting API v3 emulator on loopback (platform-apis.md §2).

* OAuth2 at ``/oauth2/v1/tokens/bearer`` (Basic client auth): single-use codes bound to a
  realm, access tokens of 3600 s, refresh tokens rotated with a 24 h grace for the previous
  one and a 100-day life, ``invalid_grant``; revocation at ``/v2/oauth2/tokens/revoke``.
* ``/v3/company/{realm}/…`` with a bearer token bound to that realm (401 with the
  lower-case fault Intuit sends) and ``minorversion`` ≥ 75 on every call.
* The query subset: ``select * | count(*) from E [where p op v [and …]] [orderby p [asc|desc]]
  [startposition n] [maxresults n≤1000]``, ops ``= < > <= >= in (…) like '%x%'``, dotted
  properties (``MetaData.LastUpdatedTime``, ``AttachableRef.EntityRef.Value``).
* Reads by id, creates and updates (sparse or full) with ``SyncToken`` checks (fault 5010),
  ``requestid`` replays, ``/cdc`` (30-day window, 1000 objects at most, deleted objects
  as ``status: Deleted``), ``/batch`` (30 items, each on its own), ``/preferences``.
* Throttling per realm: 500 requests in any 60 s and 10 in flight, then 429 with fault 3001.
* Signed webhook deliveries (``intuit-signature``) in the legacy and CloudEvents shapes.

Time is the test's clock: nothing sleeps. Amounts are kept as Decimal and written as JSON
numbers digit for digit (never through a float).
"""

from __future__ import annotations

import base64
import contextlib
import functools
import hashlib
import hmac
import itertools
import json
import operator
import re
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from connector.clock import Clock
from tests.secrets_watch import watch

__all__ = ["REALM", "Fault", "QuickBooksEmulator", "QuickBooksState", "dumps"]

REALM = "9130350000000001"
ACCESS_LIFE, REFRESH_LIFE, GRACE = timedelta(hours=1), timedelta(days=100), timedelta(hours=24)
PER_MINUTE, IN_FLIGHT, MAX_RESULTS, CDC_CAP, BATCH_MAX = 500, 10, 1000, 1000, 30
ENTITIES = ("Customer", "Invoice", "Payment", "CreditMemo", "Term", "Attachable")


_PAST = {
    "Create": "created",
    "Update": "updated",
    "Delete": "deleted",
    "Void": "voided",
    "Merge": "merged",
    "Emailed": "emailed",
}


_MARK = re.compile(r'"\\u0000dec:(-?[0-9.]+)\\u0000"')


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return f"\0dec:{format(value, 'f')}\0"  # swapped for the bare number after dumping
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def dumps(value: Any) -> bytes:
    """JSON with Decimal amounts written as numbers, digit for digit (never via a float)."""
    text = json.dumps(_plain(value), default=str)
    return _MARK.sub(lambda m: m.group(1), text).encode()


def _fault(
    code: str, message: str, kind: str = "ValidationFault", detail: str = ""
) -> dict[str, Any]:
    error = {"Message": message, "Detail": detail or message, "code": code, "element": ""}
    return {"Fault": {"Error": [error], "type": kind}}


@dataclass
class Fault:
    method: str
    path: str  # a prefix of the path after /v3/company/{realm}
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)
    times: int = 1


@dataclass
class Change:
    realm: str
    entity: str
    id: str
    at: datetime
    deleted: bool = False


@dataclass
class QuickBooksState:
    clock: Clock
    clients: dict[str, str] = field(default_factory=lambda: {"relance-qbo": "qbo-secret"})
    data: dict[str, dict[str, dict[str, dict[str, Any]]]] = field(default_factory=dict)
    changes: list[Change] = field(default_factory=list)
    access: dict[str, tuple[str, datetime]] = field(default_factory=dict)  # token -> realm, exp
    refresh: dict[str, list[Any]] = field(default_factory=dict)  # token -> [realm, exp, dies]
    codes: dict[str, str] = field(default_factory=dict)
    request_ids: dict[tuple[str, str], tuple[int, Any]] = field(default_factory=dict)
    preferences: dict[str, dict[str, Any]] = field(default_factory=dict)
    faults: list[Fault] = field(default_factory=list)
    calls: list[tuple[str, str]] = field(default_factory=list)
    queries: list[str] = field(default_factory=list)
    hits: dict[str, list[datetime]] = field(default_factory=dict)
    in_flight: dict[str, int] = field(default_factory=dict)
    throttled: int = 0
    consent_realm: str = REALM  # the company the user picks on the consent page
    # called (method, path) before each API request is served: a test's concurrent user
    before: Callable[[str, str], None] | None = None
    lock: threading.RLock = field(default_factory=threading.RLock)
    ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1000))

    def __post_init__(self) -> None:
        watch(*self.clients.values())
        self.realm(REALM)

    # --- data (test side) ---------------------------------------------------------------------
    def realm(self, realm: str, *, custom_fields: dict[int, str] | None = None) -> None:
        with self.lock:
            self.data.setdefault(realm, {e: {} for e in ENTITIES})
            fields = custom_fields or {}
            self.preferences[realm] = {
                "Id": "1",
                "SyncToken": "0",
                "CurrencyPrefs": {"MultiCurrencyEnabled": True, "HomeCurrency": {"value": "USD"}},
                "SalesFormsPrefs": {
                    "CustomField": [
                        {
                            "CustomField": [
                                item
                                for n in (1, 2, 3)
                                for item in (
                                    {
                                        "Name": f"SalesFormsPrefs.UseSalesCustom{n}",
                                        "Type": "BooleanType",
                                        "BooleanValue": n in fields,
                                    },
                                    {
                                        "Name": f"SalesFormsPrefs.SalesCustomName{n}",
                                        "Type": "StringType",
                                        "StringValue": fields.get(n, ""),
                                    },
                                )
                            ]
                        }
                    ]
                },
            }

    def put(self, entity: str, record: dict[str, Any], realm: str = REALM) -> dict[str, Any]:
        """Create or replace a record as QuickBooks would store it (SyncToken, MetaData)."""
        with self.lock:
            table = self.data[realm][entity]
            record = dict(record)
            record.setdefault("Id", str(next(self.ids)))
            old = table.get(record["Id"])
            now = self.clock.now()
            record["SyncToken"] = str(int(old["SyncToken"]) + 1) if old else "0"
            created = old["MetaData"]["CreateTime"] if old else now.isoformat()
            record["MetaData"] = {"CreateTime": created, "LastUpdatedTime": now.isoformat()}
            record.setdefault("domain", "QBO")
            table[record["Id"]] = record
            self.changes.append(Change(realm, entity, record["Id"], now))
            _GENERATION[0] += 1
            return record

    def delete(self, entity: str, record_id: str, realm: str = REALM) -> None:
        with self.lock:
            del self.data[realm][entity][record_id]
            self.changes.append(Change(realm, entity, record_id, self.clock.now(), deleted=True))
            _GENERATION[0] += 1

    # --- OAuth (test side) --------------------------------------------------------------------
    def authorize(self, realm: str = REALM) -> str:
        code = secrets.token_urlsafe(12)
        self.codes[code] = realm
        return code

    def issue_pair(self, realm: str = REALM) -> dict[str, Any]:
        with self.lock:
            access = f"qbo_at_{secrets.token_urlsafe(18)}"
            refresh = f"qbo_rt_{secrets.token_urlsafe(18)}"
            watch(access, refresh)
            now = self.clock.now()
            self.access[access] = (realm, now + ACCESS_LIFE)
            self.refresh[refresh] = [realm, now + REFRESH_LIFE, None]
            return {
                "access_token": access,
                "refresh_token": refresh,
                "token_type": "bearer",
                "expires_in": int(ACCESS_LIFE.total_seconds()),
                "x_refresh_token_expires_in": int(REFRESH_LIFE.total_seconds()),
            }

    def revoke(self, token: str) -> None:
        """Disconnected in QuickBooks: the grant dies, every token of the realm with it."""
        with self.lock:
            realm = (self.access.get(token) or self.refresh.get(token) or [None])[0]
            for table in (self.access, self.refresh):
                for key in [k for k, v in table.items() if v[0] == realm]:
                    del table[key]

    def inject(self, fault: Fault) -> None:
        with self.lock:
            self.faults.append(fault)

    # --- webhooks -----------------------------------------------------------------------------
    def webhook(
        self,
        events: list[tuple[str, str, str]],
        *,
        verifier: str,
        cloudevents: bool = False,
        realm: str = REALM,
    ) -> tuple[dict[str, str], bytes]:
        """(headers, body) of a delivery naming (entity, id, operation) triples, signed."""
        now = self.clock.now()
        if cloudevents:
            payload: Any = [
                {
                    "specversion": "1.0",
                    "id": secrets.token_hex(8),
                    "source": "intuit.emulator",
                    "type": f"qbo.{entity.lower()}.{_PAST.get(operation, 'updated')}.v1",
                    "datacontenttype": "application/json",
                    "time": now.isoformat(),
                    "intuitentityid": entity_id,
                    "intuitaccountid": realm,
                    "data": {},
                }
                for entity, entity_id, operation in events
            ]
        else:
            payload = {
                "eventNotifications": [
                    {
                        "realmId": realm,
                        "dataChangeEvent": {
                            "entities": [
                                {
                                    "name": entity,
                                    "id": entity_id,
                                    "operation": operation,
                                    "lastUpdated": now.isoformat(),
                                }
                                for entity, entity_id, operation in events
                            ]
                        },
                    }
                ]
            }
        body = json.dumps(payload).encode()
        signature = base64.b64encode(
            hmac.new(verifier.encode(), body, hashlib.sha256).digest()
        ).decode()
        return {"Content-Type": "application/json", "intuit-signature": signature}, body

    def send_webhook(
        self, url: str, events: list[tuple[str, str, str]], *, verifier: str, **kwargs: Any
    ) -> int:
        """POST a signed delivery to ``url`` as Intuit does; returns the receiver's status."""
        import requests

        headers, body = self.webhook(events, verifier=verifier, **kwargs)
        return requests.post(url, data=body, headers=headers, timeout=3).status_code


class QuickBooksEmulator(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, state: QuickBooksState) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.state = state

    def start(self) -> QuickBooksEmulator:
        serve = threading.Thread(
            target=self.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        serve.start()
        return self

    def stop(self) -> None:
        self.shutdown()
        self.server_close()

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.server_port}"

    @property
    def base_url(self) -> str:
        return f"{self.origin}/v3/company"

    @property
    def token_url(self) -> str:
        return f"{self.origin}/oauth2/v1/tokens/bearer"

    @property
    def authorize_url(self) -> str:
        return f"{self.origin}/connect/oauth2"


class _Reply(Exception):
    def __init__(self, status: int, body: Any) -> None:
        self.status, self.body = status, body


# --- the query language -------------------------------------------------------------------------
_TOKEN = re.compile(
    r"\s*(?:(?P<str>'(?:[^'\\]|\\.)*')|(?P<num>-?\d+(?:\.\d+)?)|(?P<op><=|>=|<>|!=|=|<|>)"
    r"|(?P<punct>[(),*])|(?P<word>[A-Za-z_][A-Za-z0-9_.]*))",
)


def _tokens(text: str) -> list[tuple[str, str]]:
    out, pos = [], 0
    text = text.strip()
    while pos < len(text):
        found = _TOKEN.match(text, pos)
        if not found or found.end() == pos:
            raise _Reply(400, _fault("4000", "Error parsing query", detail=f"at {pos}"))
        kind = found.lastgroup or ""
        value = found.group(kind)
        if kind == "str":
            value = value[1:-1].replace("\\'", "'").replace("\\\\", "\\")
        out.append((kind, value))
        pos = found.end()
    return out


def _get(record: Any, path: str) -> Any:
    """A dotted property; through a list (AttachableRef), the values of every element."""
    if isinstance(record, dict) and path in record:  # the hot path: a top-level property
        return record[path]
    head, _, rest = path.partition(".")
    if isinstance(record, list):
        values = [_get(item, path) for item in record]
        flat = [x for v in values for x in (v if isinstance(v, list) else [v])]
        return [v for v in flat if v is not None]
    if not isinstance(record, dict):
        return None
    key = next((k for k in record if k.lower() == head.lower()), None)
    value = record.get(key) if key else None
    return _get(value, rest) if rest and value is not None else value


_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "=": operator.eq,
    "!=": operator.ne,
    "<>": operator.ne,
    "<": operator.lt,
    ">": operator.gt,
    "<=": operator.le,
    ">=": operator.ge,
}


@functools.lru_cache(maxsize=4096)
def _decimal(text: str) -> Decimal | None:
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def _compare(actual: Any, op: str, wanted: Any) -> bool:
    if isinstance(actual, Decimal) and op in _OPS:  # the hot path: Balance > '0'
        number = _decimal(str(wanted))
        if number is not None:
            return _OPS[op](actual, number)
    if isinstance(actual, list):
        return any(_compare(a, op, wanted) for a in actual)
    if actual is None:
        return False
    if op == "in":
        return any(_compare(actual, "=", w) for w in wanted)
    if op == "like":
        pattern = "^" + re.escape(str(wanted)).replace("%", ".*") + "$"
        return re.match(pattern, str(actual), re.I) is not None
    left: Any = actual
    right: Any = wanted
    if isinstance(actual, bool):
        left, right = str(actual).lower(), str(wanted).lower()
    elif isinstance(actual, Decimal | int):
        try:
            right = Decimal(str(wanted))
            left = Decimal(str(actual))
        except InvalidOperation:
            left, right = str(actual), str(wanted)
    elif isinstance(actual, str) and re.match(r"\d{4}-\d\d-\d\d", actual) and "T" in actual:
        with contextlib.suppress(ValueError):
            left, right = datetime.fromisoformat(actual), datetime.fromisoformat(str(wanted))
    else:
        left, right = str(actual), str(wanted)
    return bool(_OPS[op](left, right))


_ORDER: dict[int, tuple[int, list[str]]] = {}
# the rows a where clause kept, per table and data generation: paging re-filters nothing
_FILTERED: dict[tuple[int, int, tuple[tuple[str, str], ...]], list[str]] = {}
_GENERATION = [0]  # bumped by every write, so a cached filter never outlives the data


def _by_id(table: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """The table's rows in Id order; the order is kept while no row comes or goes."""
    cached = _ORDER.get(id(table))
    if cached is None or cached[0] != len(table):
        cached = (len(table), sorted(table, key=lambda i: int(i) if i.isdigit() else 0))
        _ORDER[id(table)] = cached
    return [table[i] for i in cached[1] if i in table]


def run_query(table: dict[str, dict[str, Any]], text: str) -> tuple[str, dict[str, Any]]:
    """(entity, QueryResponse) for one statement of the supported subset."""
    toks = _tokens(text)
    pos = 0

    def take(kind: str | None = None, value: str | None = None) -> str:
        nonlocal pos
        if pos >= len(toks):
            raise _Reply(400, _fault("4000", "Error parsing query", detail="unexpected end"))
        got_kind, got = toks[pos]
        if (kind and got_kind != kind) or (value and got.lower() != value):
            raise _Reply(400, _fault("4000", "Error parsing query", detail=f"near {got!r}"))
        pos += 1
        return got

    def peek(value: str) -> bool:
        return pos < len(toks) and toks[pos][1].lower() == value

    take("word", "select")
    count = False
    if peek("*"):
        take()
    else:
        take("word", "count")
        take("punct", "(")
        take("punct", "*")
        take("punct", ")")
        count = True
    take("word", "from")
    entity = take("word")
    canonical = next((e for e in ENTITIES if e.lower() == entity.lower()), None)
    if canonical is None:
        raise _Reply(400, _fault("4000", "Error parsing query", detail=f"unknown {entity}"))
    entity_table = table.get(canonical, {})
    cached_ids: list[str] | None = None
    clause_end = next(
        (
            i
            for i in range(pos, len(toks))
            if toks[i][0] == "word"
            and toks[i][1].lower() in ("orderby", "order", "startposition", "maxresults")
        ),
        len(toks),
    )
    cache_key = (id(entity_table), _GENERATION[0], tuple(toks[pos:clause_end]))
    if peek("where") and cache_key in _FILTERED:
        cached_ids = _FILTERED[cache_key]
        rows: list[dict[str, Any]] = []
        pos = clause_end
    else:
        rows = _by_id(entity_table)
    if peek("where"):
        take()
        while True:
            prop = take("word")
            if peek("in"):
                take()
                take("punct", "(")
                values = [take("str")]
                while peek(","):
                    take()
                    values.append(take("str"))
                take("punct", ")")
                rows = [r for r in rows if _compare(_get(r, prop), "in", values)]
            elif peek("like"):
                take()
                needle = take("str")
                rows = [r for r in rows if _compare(_get(r, prop), "like", needle)]
            else:
                op = take("op")
                kind, value = toks[pos]
                pos += 1
                if kind not in ("str", "num", "word"):
                    raise _Reply(400, _fault("4000", "Error parsing query"))
                rows = [r for r in rows if _compare(_get(r, prop), op, value)]
            if not peek("and"):
                break
            take()
        if len(_FILTERED) > 16:
            _FILTERED.clear()
        _FILTERED[cache_key] = [str(r.get("Id")) for r in rows]  # the next page reuses it
    order, descending = "Id", False
    if peek("orderby") or peek("order"):
        if take().lower() == "order":
            take("word", "by")
        order = take("word")
        if peek("asc") or peek("desc"):
            descending = take().lower() == "desc"
    start, limit = 1, 100
    while pos < len(toks):
        word = take("word").lower()
        number = int(take("num"))
        if word == "startposition":
            start = number
        elif word == "maxresults":
            limit = number
        else:
            raise _Reply(400, _fault("4000", "Error parsing query", detail=word))
    if limit > MAX_RESULTS or limit < 1 or start < 1:
        raise _Reply(
            400, _fault("4000", "Error parsing query", detail="MAXRESULTS is at most 1000")
        )

    def key(row: dict[str, Any]) -> Any:
        value = _get(row, order)
        if order.lower() == "id":
            return int(str(value))
        return str(value)

    if cached_ids is not None:  # a later page of a query already filtered
        if order.lower() == "id" and not descending and not count:
            chosen = cached_ids[start - 1 : start - 1 + limit]
            page_rows = [entity_table[i] for i in chosen if i in entity_table]
            if not page_rows:
                return canonical, {}
            return canonical, {
                canonical: page_rows,
                "startPosition": start,
                "maxResults": len(page_rows),
            }
        rows = [entity_table[i] for i in cached_ids if i in entity_table]
    if order.lower() != "id":
        rows.sort(key=key, reverse=descending)
    elif descending:
        rows.reverse()
    if count:
        return canonical, {"totalCount": len(rows)}
    page = rows[start - 1 : start - 1 + limit]
    if not page:
        return canonical, {}
    return canonical, {canonical: page, "startPosition": start, "maxResults": len(page)}


class _Handler(BaseHTTPRequestHandler):
    server: QuickBooksEmulator
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def _send(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        if isinstance(body, str):  # an XML fault, as Intuit sometimes sends
            data, ctype = body.encode(), "application/xml"
        elif isinstance(body, bytes):
            data, ctype = body, "application/pdf" if body.startswith(b"%PDF") else "text/plain"
        else:
            data, ctype = dumps(body), "application/json"
        self.send_response(status)
        self.send_header("content-type", ctype)
        self.send_header("intuit_tid", f"1-{secrets.token_hex(8)}")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _body(self) -> bytes:
        if not hasattr(self, "_raw"):
            self._raw = self.rfile.read(int(self.headers.get("content-length") or 0))
        return self._raw

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def _handle(self, method: str) -> None:
        if hasattr(self, "_raw"):
            del self._raw
        self._body()
        parts = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        if parts.path == "/connect/oauth2":  # the consent page: the user picks the company
            return self._consent(query)
        if parts.path == "/_stats":  # for benchmarks run in another process
            return self._send(200, {"calls": len(self.server.state.calls),
                                    "throttled": self.server.state.throttled})  # fmt: skip
        if parts.path == "/_touch" and method == "POST":  # benchmarks: pay a share of invoices
            return self._touch(float(query.get("share", "0.01")))
        if parts.path.startswith(("/oauth2/", "/v2/oauth2/")):
            return self._oauth(parts.path)
        found = re.match(r"^/v3/company/([^/]+)(/.*)$", parts.path)
        if not found:
            return self._send(404, _fault("610", "Object Not Found"))
        realm, path = found.group(1), found.group(2)
        state = self.server.state
        with state.lock:
            state.calls.append((method, path))
            if state.before is not None:
                state.before(method, path)
            for fault in state.faults:
                if fault.method == method and path.startswith(fault.path) and fault.times:
                    fault.times -= 1
                    return self._send(fault.status, fault.body, fault.headers)
            token = self.headers.get("Authorization", "").removeprefix("Bearer ")
            grant = state.access.get(token)
            if grant is None or grant[0] != realm or grant[1] <= state.clock.now():
                return self._send(
                    401,
                    {
                        "fault": {
                            "error": [
                                {
                                    "message": "message=AuthenticationFailed; errorCode=003200; "
                                    "statusCode=401",
                                    "detail": "Token expired or invalid",
                                    "code": "3200",
                                }
                            ],
                            "type": "AUTHENTICATION",
                        },
                        "time": state.clock.now().isoformat(),
                    },
                )
            now = state.clock.now()
            hits = [t for t in state.hits.get(realm, []) if now - t < timedelta(minutes=1)]
            if len(hits) >= PER_MINUTE or state.in_flight.get(realm, 0) >= IN_FLIGHT:
                state.throttled += 1
                return self._send(
                    429,
                    _fault(
                        "3001",
                        "message=ThrottleExceeded; errorCode=003001; statusCode=429",
                        "SERVICE",
                    ),
                )
            hits.append(now)
            state.hits[realm] = hits
            state.in_flight[realm] = state.in_flight.get(realm, 0) + 1
        try:
            minor = query.get("minorversion", "")
            if not minor.isdigit() or int(minor) < 75:
                raise _Reply(
                    400,
                    _fault("2010", "Invalid minorversion", detail="minorversion 75 or later"),
                )
            with state.lock:
                status, body = self._route(realm, method, path, query)
        except _Reply as reply:
            status, body = reply.status, reply.body
        finally:
            with state.lock:
                state.in_flight[realm] -= 1
        if isinstance(body, dict):
            body = {**body, "time": state.clock.now().isoformat()}
        return self._send(status, body)

    def _touch(self, share: float) -> None:
        state = self.server.state
        with state.lock:
            table = state.data[REALM]["Invoice"]
            open_ids = sorted((i for i, r in table.items() if r["Balance"] > 0), key=int)
            step = max(1, round(1 / share)) if share else 0
            touched = open_ids[::step] if step else []
            for invoice_id in touched:
                state.put("Invoice", {**table[invoice_id], "Balance": Decimal(0)})
        return self._send(200, {"touched": len(touched)})

    # --- OAuth --------------------------------------------------------------------------------
    def _consent(self, query: dict[str, str]) -> None:
        state = self.server.state
        if state.clients.get(query.get("client_id", "")) is None:
            return self._send(400, {"error": "invalid_client"})
        if query.get("scope") != "com.intuit.quickbooks.accounting":
            return self._send(400, {"error": "invalid_scope"})
        code = state.authorize(state.consent_realm)
        answer = urlencode(
            {"code": code, "state": query.get("state", ""), "realmId": state.consent_realm}
        )
        self.send_response(302)
        self.send_header("location", f"{query['redirect_uri']}?{answer}")
        self.send_header("content-length", "0")
        self.end_headers()

    def _oauth(self, path: str) -> None:
        state = self.server.state
        basic = self.headers.get("Authorization", "").removeprefix("Basic ")
        try:
            client_id, _, secret = base64.b64decode(basic).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            client_id, secret = "", ""
        with state.lock:
            if state.clients.get(client_id) != secret:
                return self._send(401, {"error": "invalid_client"})
            if path == "/v2/oauth2/tokens/revoke":
                token = json.loads(self._body() or b"{}").get("token", "")
                state.revoke(token)
                return self._send(200, {})
            form = {k: v[0] for k, v in parse_qs(self._body().decode()).items()}
            grant = form.get("grant_type")
            if grant == "authorization_code":
                realm = state.codes.pop(form.get("code", ""), None)
                if realm is None:
                    return self._send(400, {"error": "invalid_grant"})
                return self._send(200, state.issue_pair(realm))
            if grant == "refresh_token":
                token = form.get("refresh_token", "")
                entry = state.refresh.get(token)
                now = state.clock.now()
                if entry is None or entry[1] <= now or (entry[2] is not None and entry[2] <= now):
                    return self._send(
                        400,
                        {
                            "error": "invalid_grant",
                            "error_description": "Incorrect or invalid refresh token",
                        },
                    )
                entry[2] = entry[2] or now + GRACE  # the old one lives 24 h more
                return self._send(200, state.issue_pair(entry[0]))
            return self._send(400, {"error": "unsupported_grant_type"})

    # --- the API ------------------------------------------------------------------------------
    def _route(self, realm: str, method: str, path: str, query: dict[str, str]) -> tuple[int, Any]:
        state = self.server.state
        tables = state.data.get(realm)
        if tables is None:
            raise _Reply(403, _fault("3100", "ApplicationAuthorizationFailed", "AUTHORIZATION"))
        if path == "/query":
            statement = query.get("query") or self._body().decode()
            state.queries.append(statement)
            _, response = run_query(tables, statement)
            return 200, {"QueryResponse": response}
        if path == "/cdc" and method == "GET":
            return self._cdc(realm, query)
        if path == "/preferences" and method == "GET":
            return 200, {"Preferences": state.preferences[realm]}
        if path == "/batch" and method == "POST":
            return self._batch(realm, json.loads(self._body() or b"{}", parse_float=Decimal))
        pdf = re.match(r"^/invoice/([^/]+)/pdf$", path)
        if pdf and method == "GET":
            invoice = tables["Invoice"].get(pdf.group(1))
            if invoice is None:
                raise _Reply(400, _fault("610", "Object Not Found"))
            return 200, _invoice_pdf(str(invoice.get("DocNumber") or invoice["Id"]))
        found = re.match(r"^/([a-z]+)(?:/([^/]+))?$", path)
        if not found:
            raise _Reply(404, _fault("610", "Object Not Found"))
        entity = next((e for e in ENTITIES if e.lower() == found.group(1)), None)
        if entity is None:
            raise _Reply(400, _fault("610", "Object Not Found", detail=found.group(1)))
        if method == "GET" and found.group(2):
            record = tables[entity].get(found.group(2))
            if record is None:
                raise _Reply(400, _fault("610", "Object Not Found"))
            return 200, {entity: record}
        if method == "POST" and not found.group(2):
            request_id = query.get("requestid")
            if request_id and (realm, request_id) in state.request_ids:
                return state.request_ids[(realm, request_id)]
            body = json.loads(self._body() or b"{}", parse_float=Decimal)
            answer = self._write(realm, entity, body, operation=query.get("operation"))
            if request_id:
                state.request_ids[(realm, request_id)] = answer
            return answer
        raise _Reply(400, _fault("500", "Unsupported Operation"))

    def _write(
        self, realm: str, entity: str, body: Any, operation: str | None = None
    ) -> tuple[int, Any]:
        state = self.server.state
        table = state.data[realm][entity]
        if not isinstance(body, dict):
            raise _Reply(400, _fault("2020", "Required param missing, need to supply the entity"))
        if operation == "delete":
            if body.get("Id") not in table:
                raise _Reply(400, _fault("610", "Object Not Found"))
            state.delete(entity, body["Id"], realm)
            return 200, {entity: {"Id": body["Id"], "status": "Deleted"}}
        if "Id" in body:
            current = table.get(str(body["Id"]))
            if current is None:
                raise _Reply(400, _fault("610", "Object Not Found"))
            if str(body.get("SyncToken")) != current["SyncToken"]:
                raise _Reply(
                    400,
                    _fault(
                        "5010",
                        "Stale Object Error",
                        detail=f"You and another user were working on the same thing. "
                        f"SyncToken {body.get('SyncToken')} is not {current['SyncToken']}",
                    ),
                )
            changes = {k: v for k, v in body.items() if k not in ("sparse", "SyncToken")}
            if body.get("sparse"):
                merged = {**current, **changes}
            else:  # a full update: what is not sent is cleared
                keep = {"Id", "MetaData", "domain", "SyncToken"}
                merged = {k: v for k, v in current.items() if k in keep} | changes
            return 200, {entity: state.put(entity, merged, realm)}
        if entity == "Attachable":
            refs = body.get("AttachableRef") or []
            for item in refs:
                target = item.get("EntityRef") or {}
                kind = str(target.get("type", ""))
                if state.data[realm].get(kind, {}).get(str(target.get("value"))) is None:
                    raise _Reply(400, _fault("610", "Object Not Found", detail="AttachableRef"))
        return 200, {entity: state.put(entity, body, realm)}

    def _cdc(self, realm: str, query: dict[str, str]) -> tuple[int, Any]:
        state = self.server.state
        try:
            since = datetime.fromisoformat(query["changedSince"])
        except (KeyError, ValueError):
            raise _Reply(400, _fault("2010", "Invalid changedSince")) from None
        if since.tzinfo is None or state.clock.now() - since > timedelta(days=30):
            raise _Reply(400, _fault("2010", "changedSince must be within the last 30 days"))
        wanted = [e for e in query.get("entities", "").split(",") if e in ENTITIES]
        if not wanted:
            raise _Reply(400, _fault("2010", "entities is required"))
        latest: dict[tuple[str, str], Change] = {}
        for change in state.changes:
            if change.realm == realm and change.entity in wanted and change.at >= since:
                latest[(change.entity, change.id)] = change
        ordered = sorted(latest.values(), key=lambda c: c.at)[:CDC_CAP]
        blocks: dict[str, list[Any]] = {e: [] for e in wanted}
        for change in ordered:
            record = state.data[realm][change.entity].get(change.id)
            if change.deleted or record is None:
                blocks[change.entity].append(
                    {
                        "Id": change.id,
                        "status": "Deleted",
                        "domain": "QBO",
                        "MetaData": {"LastUpdatedTime": change.at.isoformat()},
                    }
                )
            else:
                blocks[change.entity].append(record)
        responses = [
            {entity: rows, "startPosition": 1, "maxResults": len(rows)}
            for entity, rows in blocks.items()
            if rows
        ]
        return 200, {"CDCResponse": [{"QueryResponse": responses}]}

    def _batch(self, realm: str, body: Any) -> tuple[int, Any]:
        items = body.get("BatchItemRequest") if isinstance(body, dict) else None
        if not isinstance(items, list) or not items:
            raise _Reply(400, _fault("2020", "BatchItemRequest is required"))
        if len(items) > BATCH_MAX:
            raise _Reply(400, _fault("2010", f"a batch holds at most {BATCH_MAX} items"))
        answers = []
        tables = self.server.state.data[realm]
        for item in items:
            bid = item.get("bId")
            try:
                if "Query" in item:
                    self.server.state.queries.append(item["Query"])
                    _, response = run_query(tables, item["Query"])
                    answers.append({"bId": bid, "QueryResponse": response})
                    continue
                entity = next((e for e in ENTITIES if e in item), None)
                if entity is None:
                    raise _Reply(400, _fault("2020", "no entity in the batch item"))
                _, result = self._write(realm, entity, item[entity], item.get("operation"))
                answers.append({"bId": bid, **result})
            except _Reply as reply:
                answers.append({"bId": bid, **reply.body})
        return 200, {"BatchItemResponse": answers}


def _invoice_pdf(number: str) -> bytes:
    """A one-page PDF standing for the invoice QuickBooks renders."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=14)
    pdf.cell(text=f"Invoice {number}")
    return bytes(pdf.output())
