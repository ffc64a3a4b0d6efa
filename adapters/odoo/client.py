"""Odoo's external API: JSON-2 on Odoo 19+, JSON-RPC (``execute_kw``) on 16-18, XML-RPC when a
server offers nothing else.

The protocol follows the server's reported version (``GET /web/version`` exists from the
JSON-2 era on; otherwise ``common.version`` over JSON-RPC, and over XML-RPC at
``/xmlrpc/2/common`` when ``/jsonrpc`` is not served: a proxy that lets only XML-RPC through).
JSON-2 takes the API key as a bearer token and named arguments; JSON-RPC and XML-RPC
authenticate once (``common.authenticate``, the key in place of the password) and pass the key
with every call — it is never logged, since connector.http logs method and path only.
Facts: platform-apis.md §3.
Odoo's own errors become relance's: AccessDenied / 401 → AuthorizationLost; AccessError,
MissingError, UserError → SourceRejected with Odoo's message.
"""

from __future__ import annotations

import itertools
import xmlrpc.client
from collections.abc import Iterator, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any, NoReturn

import requests

from connector.errors import AuthorizationLost, DataError, SourceRejected, SourceUnavailable
from connector.http import HttpClient, HttpPolicy, default_classify

__all__ = ["PAGE", "POLICY", "OdooClient", "classify"]

# Odoo sets no request rate; workers are killed after 120 s: modest pages, a gentle pace
POLICY = HttpPolicy(platform="odoo", rate=20.0, burst=5, read_timeout=120.0)
PAGE = 500


def _raise(name: str, message: str, status: int | None = None) -> NoReturn:
    short = message.strip().splitlines()[0][:240] if message else name
    if name.endswith(("AccessDenied", "Unauthorized")) or status == 401:
        raise AuthorizationLost(
            f"Odoo refused the API key ({short})",
            platform="odoo",
            status=status or 401,
            hint="create a new key (Preferences > Account Security) and run "
            "relance connect odoo --tenant NAME --token",
        )
    if name.endswith("AccessError"):
        raise SourceRejected(
            f"Odoo refused access: {short}",
            platform="odoo",
            status=status,
            hint="give relance's Odoo user read access to invoicing (and write for notes)",
        )
    if status is not None and status >= 500:
        raise SourceUnavailable(f"Odoo failed: {short}", platform="odoo", status=status)
    raise SourceRejected(f"Odoo answered: {short}", platform="odoo", status=status)


# the integer fault codes of Odoo's /xmlrpc/2/ endpoints
XMLRPC_FAULTS = {
    2: "odoo.exceptions.UserError",
    3: "odoo.exceptions.AccessDenied",
    4: "odoo.exceptions.AccessError",
}


def _xmlrpc_fault(fault: xmlrpc.client.Fault) -> NoReturn:
    text = str(fault.faultString or "").strip()
    name = XMLRPC_FAULTS.get(int(fault.faultCode) if str(fault.faultCode).isdigit() else 0)
    if name is None:  # an application error: a traceback whose last line says what happened
        lines = [line for line in text.splitlines() if line.strip()]
        _raise("builtins.Exception", lines[-1] if lines else "server error", 500)
    _raise(str(name), text)


def classify(response: requests.Response, policy: HttpPolicy, now: datetime) -> None:
    if response.status_code < 400:
        return
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and "name" in body:
        _raise(str(body["name"]), str(body.get("message") or ""), response.status_code)
    default_classify(response, policy, now)


class OdooClient:
    def __init__(
        self,
        http: HttpClient,
        *,
        database: str,
        login: str,
        key: str,
        protocol: str | None = None,
    ) -> None:
        self.http, self.database, self.login = http, database, login
        self._key = key
        self._protocol = protocol
        self._uid: int | None = None
        self._ids = itertools.count(1)
        self.version: str | None = None

    # --- protocol -----------------------------------------------------------------------------
    @property
    def protocol(self) -> str:
        if self._protocol is None:
            self._protocol = self._detect()
        return self._protocol

    @property
    def major(self) -> int:
        """The server's major version (19 for ``19.0+e-20251227``)."""
        if self.version is None:
            self._detect()  # a forced protocol still needs the version (fields differ by it)
        head = (self.version or "0").split(".", 1)[0]
        return int(head) if head.isdigit() else 0

    def _detect(self) -> str:
        try:
            info = self.http.request("GET", "/web/version", attempts=1).json()
        except SourceRejected:  # no /web/version before the JSON-2 era
            info = None
        if isinstance(info, dict) and int((info.get("version_info") or [0])[0]) >= 19:
            self.version = str(info.get("version"))
            return "json2"
        try:
            info = self._jsonrpc("common", "version", [])
        except SourceRejected as exc:
            if exc.status != 404:
                raise
            info = self._xmlrpc("common", "version", [])  # only XML-RPC is let through
            self.version = str(info.get("server_version"))
            return "xmlrpc"
        self.version = str(info.get("server_version"))
        return "json2" if int((info.get("server_version_info") or [0])[0]) >= 19 else "jsonrpc"

    def _rpc(self, service: str, method: str, args: list[Any]) -> Any:
        if self.protocol == "xmlrpc":
            return self._xmlrpc(service, method, args)
        return self._jsonrpc(service, method, args)

    def _jsonrpc(self, service: str, method: str, args: list[Any]) -> Any:
        payload = {
            "jsonrpc": "2.0",
            "method": "call",
            "params": {"service": service, "method": method, "args": args},
            "id": next(self._ids),
        }
        data = self.http.request("POST", "/jsonrpc", json=payload).json(parse_float=Decimal)
        if "error" in data:
            error = data["error"].get("data") or {}
            _raise(str(error.get("name", "")), str(error.get("message", "")))
        return data.get("result")

    def _xmlrpc(self, service: str, method: str, args: list[Any]) -> Any:
        body = xmlrpc.client.dumps(tuple(args), method, allow_none=True).encode()
        response = self.http.request(
            "POST",
            f"/xmlrpc/2/{service}",
            data=body,
            headers={"Content-Type": "text/xml"},
        )
        try:
            (result,), _ = xmlrpc.client.loads(response.content, use_builtin_types=True)
        except xmlrpc.client.Fault as fault:
            _xmlrpc_fault(fault)
        except (ValueError, xmlrpc.client.ResponseError) as exc:
            raise DataError(f"Odoo's XML-RPC answer to {method} is unreadable: {exc}") from None
        return result

    def uid(self) -> int:
        if self._uid is None:
            uid = self._rpc("common", "authenticate", [self.database, self.login, self._key, {}])
            if not uid:
                raise AuthorizationLost(
                    f"Odoo refused login {self.login!r} with this API key on {self.database!r}",
                    platform="odoo",
                    hint="check the database, the login and the key: "
                    "relance connect odoo --tenant NAME --token",
                )
            self._uid = int(uid)
        return self._uid

    # --- calls --------------------------------------------------------------------------------
    def call(self, model: str, method: str, ids: Sequence[int] | None = None, **kw: Any) -> Any:
        """A model method, named arguments only (JSON-2's rule), whatever the protocol."""
        if self.protocol == "json2":
            body = {**kw, **({"ids": list(ids)} if ids is not None else {})}
            response = self.http.request(
                "POST",
                f"/json/2/{model}/{method}",
                json=body,
                headers={
                    "Authorization": f"bearer {self._key}",
                    "X-Odoo-Database": self.database,
                },
            )
            return response.json(parse_float=Decimal)
        args: list[Any] = [list(ids)] if ids is not None else []
        if method == "create" and "vals_list" in kw:  # execute_kw wants create's values first
            kw = dict(kw)
            args = [kw.pop("vals_list")]
        return self._rpc(
            "object",
            "execute_kw",
            [self.database, self.uid(), self._key, model, method, args, kw],
        )

    def search_read(
        self, model: str, domain: list[Any], fields: Sequence[str]
    ) -> Iterator[dict[str, Any]]:
        """Every matching record, PAGE at a time, paging by id (stable under inserts)."""
        last = 0
        while True:
            rows = self.call(
                model,
                "search_read",
                domain=[*domain, ["id", ">", last]],
                fields=list(fields),
                order="id",
                limit=PAGE,
            )
            if not isinstance(rows, list):
                raise DataError(f"Odoo answered search_read on {model} with something else")
            yield from rows
            if len(rows) < PAGE:
                return
            last = int(rows[-1]["id"])
