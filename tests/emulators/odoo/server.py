"""A stateful emulator of Odoo's external API on loopback (platform-apis.md §3).

* ``GET /web/version`` (the JSON-2 era's version document), or none for an older server.
* JSON-2: ``POST /json/2/<model>/<method>`` with ``Authorization: bearer <api key>`` and
  ``X-Odoo-Database``; named arguments only, ``ids`` and ``context`` apart; errors as
  ``{name, message, arguments, context, debug}`` with 401/403/404/422.
* JSON-RPC: ``POST /jsonrpc`` with ``common.version``, ``common.authenticate`` and
  ``object.execute_kw(db, uid, key, model, method, args, kwargs)``; errors inside a 200.
* Methods: ``search_read`` (domain, fields, offset, limit, order), ``search_count``,
  ``read``, ``fields_get``, ``message_post`` (HTML escaped unless ``body_is_html``),
  ``create`` for ``mail.activity``, ``context_get``.
* Domains: ``=``, ``!=``, ``in``, ``not in``, ``<``, ``<=``, ``>``, ``>=``, ``ilike``, the
  ``&``/``|``/``!`` prefix operators, and dotted paths through many2one fields.
* Several companies (``res.company``) when a test adds them: records carry ``company_id``
  and the user reads them all, as Odoo's default of every allowed company does.
* Split payment terms: an invoice has one receivable ``account.move.line`` per instalment
  (``date_maturity``, ``amount_currency``, ``amount_residual_currency``), and
  ``invoice_date_due`` is the last one's date, as Odoo computes it.

Many2one values are kept as ids and returned as ``[id, display name]``; datetimes as UTC
strings without offset, as Odoo sends them. Time is the test's clock.
"""

from __future__ import annotations

import html
import itertools
import json
import re
import threading
import xmlrpc.client
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from connector.clock import Clock
from tests.secrets_watch import watch

__all__ = ["OdooEmulator", "OdooState"]

# many2one fields: (model, field) -> the model they point to
RELATIONS = {
    ("account.move", "partner_id"): "res.partner",
    ("account.move", "commercial_partner_id"): "res.partner",
    ("account.move", "currency_id"): "res.currency",
    ("account.move", "invoice_user_id"): "res.users",
    ("account.move", "company_id"): "res.company",
    ("account.move.line", "move_id"): "account.move",
    ("account.move.line", "account_id"): "account.account",
    ("account.move.line", "currency_id"): "res.currency",
    ("account.move.line", "payment_id"): "account.payment",
    ("account.move.line", "company_id"): "res.company",
    ("account.partial.reconcile", "debit_move_id"): "account.move.line",
    ("account.partial.reconcile", "credit_move_id"): "account.move.line",
    ("account.payment", "partner_id"): "res.partner",
    ("account.payment", "currency_id"): "res.currency",
    ("account.payment", "company_id"): "res.company",
    ("res.partner", "company_id"): "res.company",
    ("res.partner", "country_id"): "res.country",
    ("res.partner", "title"): "res.partner.title",
    ("res.partner", "commercial_partner_id"): "res.partner",
    ("res.partner", "parent_id"): "res.partner",
    ("res.partner", "property_payment_term_id"): "account.payment.term",
    ("mail.activity", "activity_type_id"): "mail.activity.type",
    ("mail.activity", "user_id"): "res.users",
}


class OdooFault(Exception):
    def __init__(self, status: int, name: str, message: str) -> None:
        self.status, self.name, self.message = status, name, message


@dataclass
class OdooState:
    clock: Clock
    version: tuple[int, int] = (19, 0)
    database: str = "acme"
    keys: dict[str, int] = field(default_factory=lambda: {"odoo-key-0123456789": 2})
    logins: dict[str, int] = field(default_factory=lambda: {"relance-bot": 2})
    records: dict[str, dict[int, dict[str, Any]]] = field(default_factory=dict)
    calls: list[tuple[str, str, str]] = field(default_factory=list)  # protocol, model, method
    jsonrpc_blocked: bool = False  # a proxy that lets only XML-RPC through
    lock: threading.RLock = field(default_factory=threading.RLock)
    ids: itertools.count[int] = field(default_factory=lambda: itertools.count(10_000))

    def __post_init__(self) -> None:
        watch(*self.keys)
        self.put("res.users", {"id": 2, "name": "Relance Bot", "login": "relance-bot"})
        self.put("res.company", {"id": 1, "name": "Atelier Dupont SAS"})
        for cid, code in ((1, "EUR"), (2, "USD")):
            self.put("res.currency", {"id": cid, "name": code, "decimal_places": 2})
        self.put("res.country", {"id": 75, "name": "France", "code": "FR"})
        self.put(
            "account.account",
            {"id": 1, "name": "411000 Clients", "account_type": "asset_receivable"},
        )
        self.put("account.account", {"id": 2, "name": "706000 Ventes", "account_type": "income"})
        self.put(
            "mail.activity.type", {"id": 2, "name": "Call", "xmlid": "mail.mail_activity_data_call"}
        )

    def now_text(self) -> str:
        return self.clock.now().strftime("%Y-%m-%d %H:%M:%S")

    def put(self, model: str, record: dict[str, Any]) -> dict[str, Any]:
        """Create or replace a record; ``write_date`` moves as Odoo's ORM moves it."""
        with self.lock:
            table = self.records.setdefault(model, {})
            record = dict(record)
            record.setdefault("id", next(self.ids))
            old = table.get(record["id"], {})
            record = {**old, **record, "write_date": self.now_text()}
            record.setdefault("create_date", record["write_date"])
            table[record["id"]] = record
            return record

    # --- the ORM subset -----------------------------------------------------------------------
    def value(self, model: str, record: dict[str, Any], path: str) -> Any:
        head, _, rest = path.partition(".")
        value = record.get(head)
        target = RELATIONS.get((model, head))
        if rest:
            if target is None or not value:
                return None
            linked = self.records.get(target, {}).get(int(value))
            return self.value(target, linked, rest) if linked else None
        return value

    def matches(self, model: str, record: dict[str, Any], domain: list[Any]) -> bool:
        stack: list[bool] = []
        for term in reversed(domain):
            if term == "&":
                stack.append(stack.pop() and stack.pop())
            elif term == "|":
                stack.append(stack.pop() or stack.pop())
            elif term == "!":
                stack.append(not stack.pop())
            else:
                stack.append(self._leaf(model, record, term))
        return all(stack)

    def _leaf(self, model: str, record: dict[str, Any], term: Any) -> bool:
        if not isinstance(term, list | tuple) or len(term) != 3:
            raise OdooFault(422, "builtins.ValueError", f"Invalid leaf {term!r}")
        path, op, wanted = term
        actual = self.value(model, record, path)
        if op == "=":
            return bool(actual == wanted or (wanted is False and actual in (None, False)))
        if op == "!=":
            return bool(actual != wanted)
        if op in ("in", "not in"):  # an empty field reads as False, as in Odoo
            found = (False if actual is None else actual) in wanted
            return found if op == "in" else not found
        if op == "ilike":
            return str(wanted).lower() in str(actual or "").lower()
        if op in ("<", "<=", ">", ">="):
            if actual is None or actual is False:
                return False
            return bool(
                {
                    "<": actual < wanted,
                    "<=": actual <= wanted,
                    ">": actual > wanted,
                    ">=": actual >= wanted,
                }[op]
            )
        raise OdooFault(422, "builtins.ValueError", f"Invalid operator {op!r}")

    def shaped(
        self, model: str, record: dict[str, Any], fields: list[str] | None
    ) -> dict[str, Any]:
        names = fields or [k for k in record if k != "xmlid"]
        out: dict[str, Any] = {"id": record["id"]}
        for name in names:
            if self.version[0] >= 19 and name in _GONE_IN_19.get(model, ()):
                raise OdooFault(500, "builtins.ValueError", f"Invalid field {name!r} on {model!r}")
            if name not in record and name != "id":
                if name not in _KNOWN.get(model, set()):
                    raise OdooFault(
                        422, "builtins.ValueError", f"Invalid field {name!r} on {model}"
                    )
                out[name] = False
                continue
            value = record.get(name, False)
            target = RELATIONS.get((model, name))
            if target and value:
                linked = self.records.get(target, {}).get(int(value), {})
                out[name] = [int(value), linked.get("name") or linked.get("display_name") or ""]
            else:
                out[name] = value if value is not None else False
        return out

    def run(
        self, uid: int, model: str, method: str, ids: list[int] | None, kw: dict[str, Any]
    ) -> Any:
        with self.lock:
            table = self.records.get(model)
            if table is None and model in ("mail.message", "mail.activity"):
                table = {}
            if table is None and method not in ("create", "context_get"):
                raise OdooFault(404, "builtins.KeyError", f"Object {model} doesn't exist")
            table = table or {}
            if method == "context_get":
                return {"lang": "fr_FR", "tz": "Europe/Paris", "uid": uid}
            if method in ("search_read", "search_count"):
                domain = kw.get("domain") or []
                rows = [r for _, r in sorted(table.items()) if self.matches(model, r, domain)]
                if method == "search_count":
                    return len(rows)
                order = str(kw.get("order") or "id")
                for part in reversed([p.strip() for p in order.split(",") if p.strip()]):
                    name, _, direction = part.partition(" ")
                    rows.sort(key=_sort_key(name), reverse=direction.lower() == "desc")
                offset, limit = int(kw.get("offset") or 0), kw.get("limit")
                rows = rows[offset : offset + int(limit)] if limit else rows[offset:]
                return [self.shaped(model, r, kw.get("fields")) for r in rows]
            if method == "read":
                missing = [i for i in ids or [] if i not in table]
                if missing:
                    raise OdooFault(
                        404, "odoo.exceptions.MissingError", f"Record {missing} does not exist"
                    )
                return [self.shaped(model, table[i], kw.get("fields")) for i in ids or []]
            if method == "fields_get":
                return {name: {"type": "char"} for name in sorted(_KNOWN.get(model, set()))}
            if method == "message_post":
                body = str(kw.get("body") or "")
                if not kw.get("body_is_html"):
                    body = html.escape(body)
                subtype = kw.get("subtype_xmlid") or "mail.mt_comment"
                posted = []
                for record_id in ids or []:
                    if record_id not in table:
                        raise OdooFault(
                            404, "odoo.exceptions.MissingError", "Record does not exist"
                        )
                    message = self.put(
                        "mail.message",
                        {
                            "model": model,
                            "res_id": record_id,
                            "body": body,
                            "subtype_xmlid": subtype,
                            "message_type": kw.get("message_type", "comment"),
                            "author_id": uid,
                        },
                    )
                    posted.append(message["id"])
                return posted[0] if len(posted) == 1 else posted
            if method == "activity_schedule":
                kind = self.records.get("mail.activity.type", {}).values()
                wanted = kw.get("act_type_xmlid")
                activity_type = next((t["id"] for t in kind if t.get("xmlid") == wanted), None)
                if activity_type is None:
                    raise OdooFault(422, "builtins.ValueError", f"External ID not found: {wanted}")
                made = []
                for record_id in ids or []:
                    if record_id not in table:
                        raise OdooFault(
                            404, "odoo.exceptions.MissingError", "Record does not exist"
                        )
                    made.append(
                        self.put(
                            "mail.activity",
                            {
                                "res_model": model,
                                "res_id": record_id,
                                "activity_type_id": activity_type,
                                "summary": kw.get("summary", ""),
                                "note": kw.get("note", ""),
                                "date_deadline": kw.get("date_deadline"),
                                "user_id": kw.get("user_id") or uid,
                            },
                        )["id"]
                    )
                return made
            if method == "create" and model == "mail.activity":
                made = [self.put(model, dict(vals))["id"] for vals in kw.get("vals_list") or []]
                return made
            raise OdooFault(422, "builtins.AttributeError", f"Method {method} not available")


def _sort_key(name: str) -> Callable[[dict[str, Any]], tuple[bool, Any]]:
    def key(row: dict[str, Any]) -> tuple[bool, Any]:
        value = row.get(name)
        return (value is None or value is False, value or 0)

    return key


# fields Odoo 19 removed: asking for one is an error there, as on a real server
_GONE_IN_19 = {"res.partner": {"mobile", "title"}}
_KNOWN = {
    "account.move": {
        "name",
        "move_type",
        "state",
        "payment_state",
        "invoice_date",
        "invoice_date_due",
        "amount_total",
        "amount_residual",
        "currency_id",
        "partner_id",
        "commercial_partner_id",
        "invoice_user_id",
        "company_id",
        "ref",
        "payment_reference",
        "reversed_entry_id",
        "write_date",
        "create_date",
        "relance_dunning_step",
    },
    "res.partner": {
        "name",
        "email",
        "phone",
        "mobile",
        "street",
        "street2",
        "zip",
        "city",
        "country_id",
        "lang",
        "vat",
        "ref",
        "is_company",
        "commercial_partner_id",
        "parent_id",
        "type",
        "customer_rank",
        "property_payment_term_id",
        "write_date",
        "company_registry",
        "title",
        "company_id",
    },
    "res.company": {"name", "currency_id", "write_date"},
    "mail.message": {"model", "res_id", "body", "subtype_xmlid", "message_type", "author_id"},
    "mail.activity": {
        "res_model",
        "res_id",
        "activity_type_id",
        "summary",
        "note",
        "date_deadline",
        "user_id",
    },
    "account.payment": {
        "name",
        "date",
        "amount",
        "currency_id",
        "partner_id",
        "partner_type",
        "state",
        "reconciled_invoice_ids",
        "write_date",
        "company_id",
    },
    "account.partial.reconcile": {
        "debit_move_id",
        "credit_move_id",
        "amount",
        "debit_amount_currency",
        "credit_amount_currency",
        "max_date",
    },
    "account.move.line": {
        "payment_id",
        "move_id",
        "account_id",
        "date_maturity",
        "amount_currency",
        "amount_residual",
        "amount_residual_currency",
        "currency_id",
        "reconciled",
        "company_id",
        "write_date",
    },
}


class OdooEmulator(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, state: OdooState) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.state = state

    def start(self) -> OdooEmulator:
        threading.Thread(
            target=self.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()
        return self

    def stop(self) -> None:
        self.shutdown()
        self.server_close()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_port}"


class _Handler(BaseHTTPRequestHandler):
    server: OdooEmulator
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def log_message(self, *args: object) -> None:
        pass

    def _send(self, status: int, body: Any) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _body(self) -> Any:
        raw = self._raw = self.rfile.read(int(self.headers.get("content-length") or 0))
        try:
            return json.loads(raw or b"{}")
        except ValueError:
            return None

    def do_GET(self) -> None:
        state = self.server.state
        if self.path == "/web/version" and state.version[0] >= 19:
            major, minor = state.version
            return self._send(
                200,
                {"version_info": [major, minor, 0, "final", 0, ""], "version": f"{major}.{minor}"},
            )
        return self._send(404, {"name": "werkzeug.exceptions.NotFound", "message": "Not Found"})

    def do_POST(self) -> None:
        state = self.server.state
        body = self._body()
        found = re.match(r"^/json/2/([a-z_.]+)/([a-z_]+)$", self.path)
        if found and state.version[0] >= 19:
            return self._json2(found.group(1), found.group(2), body)
        if self.path == "/jsonrpc" and not state.jsonrpc_blocked:
            return self._jsonrpc(body)
        service = re.match(r"^/xmlrpc/2/(common|object)$", self.path)
        if service:
            return self._xmlrpc(service.group(1))
        return self._send(404, {"name": "werkzeug.exceptions.NotFound", "message": "Not Found"})

    def _fault(self, status: int, name: str, message: str) -> None:
        self._send(
            status,
            {"name": name, "message": message, "arguments": [message], "context": {}, "debug": ""},
        )

    def _json2(self, model: str, method: str, body: Any) -> None:
        state = self.server.state
        key = self.headers.get("Authorization", "").partition(" ")[2]
        uid = state.keys.get(key)
        if uid is None:
            return self._fault(401, "werkzeug.exceptions.Unauthorized", "Invalid apikey")
        database = self.headers.get("X-Odoo-Database")
        if database is not None and database != state.database:
            return self._fault(404, "werkzeug.exceptions.NotFound", "database not found")
        if not isinstance(body, dict):
            return self._fault(400, "werkzeug.exceptions.BadRequest", "body must be an object")
        ids = body.pop("ids", None)
        body.pop("context", None)
        state.calls.append(("json2", model, method))
        try:
            result = state.run(uid, model, method, ids, body)
        except OdooFault as fault:
            return self._fault(fault.status, fault.name, fault.message)
        return self._send(200, result)

    def _jsonrpc(self, body: Any) -> None:
        request_id = body.get("id") if isinstance(body, dict) else None

        def error(name: str, message: str) -> None:
            self._send(
                200,
                {
                    "jsonrpc": "2.0",
                    "id": request_id,
                    "error": {
                        "code": 200,
                        "message": "Odoo Server Error",
                        "data": {
                            "name": name,
                            "message": message,
                            "arguments": [message],
                            "context": {},
                            "debug": "",
                        },
                    },
                },
            )

        try:
            params = body["params"]
            service, method, args = params["service"], params["method"], params.get("args", [])
        except (KeyError, TypeError):
            return error("werkzeug.exceptions.BadRequest", "invalid JSON-RPC request")
        try:
            result = self._dispatch("jsonrpc", service, method, args)
        except OdooFault as fault:
            return error(fault.name, fault.message)
        return self._send(200, {"jsonrpc": "2.0", "id": request_id, "result": result})

    def _dispatch(self, protocol: str, service: str, method: str, args: list[Any]) -> Any:
        """``common`` and ``object`` services, shared by JSON-RPC and XML-RPC."""
        state = self.server.state
        result: Any
        if service == "common" and method == "version":
            major, minor = state.version
            result = {
                "server_version": f"{major}.{minor}",
                "server_version_info": [major, minor, 0, "final", 0, ""],
                "server_serie": f"{major}.{minor}",
                "protocol_version": 1,
            }
        elif service == "common" and method == "authenticate":
            database, login, key = args[0], args[1], args[2]
            uid = state.logins.get(login)
            ok = database == state.database and uid is not None and state.keys.get(key) == uid
            result = uid if ok else False
        elif service == "object" and method == "execute_kw":
            database, uid, key, model, call, positional = args[:6]
            kwargs = args[6] if len(args) > 6 else {}
            if database != state.database or state.keys.get(key) != uid:
                raise OdooFault(200, "odoo.exceptions.AccessDenied", "Access Denied")
            ids = (
                positional[0]
                if positional
                and call not in ("search_read", "search_count", "create", "fields_get")
                else None
            )
            if call == "search_read" and positional:
                kwargs = {"domain": positional[0], **kwargs}
            if call == "create":
                if not positional:  # as Odoo's call_kw: create's values are positional
                    raise OdooFault(200, "builtins.IndexError", "list index out of range")
                kwargs = {"vals_list": positional[0], **kwargs}
            state.calls.append((protocol, model, call))
            result = state.run(uid, model, call, ids, kwargs)
        else:
            raise OdooFault(200, "builtins.KeyError", f"unknown {service}.{method}")
        return result

    def _xmlrpc(self, service: str) -> None:
        try:
            params, method = xmlrpc.client.loads(self._raw, use_builtin_types=True)
        except Exception:  # any unparsable body is the client's fault
            return self._send_xml(xmlrpc.client.Fault(1, "ExpatError: not well-formed"))
        try:
            result = self._dispatch("xmlrpc", service, str(method), list(params))
        except OdooFault as fault:
            code = {
                "odoo.exceptions.AccessDenied": 3,
                "odoo.exceptions.AccessError": 4,
                "odoo.exceptions.UserError": 2,
                "odoo.exceptions.ValidationError": 2,
            }.get(fault.name, 1)
            text = (
                fault.message
                if code != 1
                else f"Traceback (most recent call last):\n{fault.name}: {fault.message}"
            )
            return self._send_xml(xmlrpc.client.Fault(code, text))
        return self._send_xml((result,))

    def _send_xml(self, payload: Any) -> None:
        data = xmlrpc.client.dumps(payload, methodresponse=True, allow_none=True).encode()
        self.send_response(200)
        self.send_header("content-type", "text/xml")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
