"""Every recorded exchange with the emulator, checked against Pennylane's own descriptions.

* ``pennylane-company-api-v2-openapi-2026-04.json`` (the April 2026 Company API v2 spec, in
  the project's ``shared/specs``) describes every path relance calls but the plural webhook
  subscriptions; the test reads ``contract/company-api-v2-2026-04-extract.json``, the part of
  it those paths use, made by ``contract/extract_april.py`` (prose left out; the source's
  SHA-256 recorded), so that a clean clone checks the same contract;
* ``contract/webhook-subscriptions-later.json`` is what the later published description
  says of those (an extract: paths, schemas and codes, no prose).

Each request is validated as the description of its operation says it must be sent, and
each answer as that operation may answer (a status the operation does not list is a
mismatch). Outside both, and named as such: the OAuth token endpoint (only a
``securityScheme`` in the spec), the invoice PDF behind a ``public_file_url`` (a pre-signed
link on another host), and the one probe of the webhook API version, whose 404 comes from a
path the company's API does not have (checked against the spec's ``NotFound`` body).
"""

from __future__ import annotations

import json
import re
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from openapi_core import Config, OpenAPI
from openapi_core.datatypes import RequestParameters
from openapi_schema_validator import OAS30Validator
from werkzeug.datastructures import Headers, ImmutableMultiDict

from tests.emulators.pennylane import Exchange

__all__ = ["SPEC_NAME", "Checked", "check", "operation_of", "report", "spec_path"]

SPEC_NAME = "pennylane-company-api-v2-openapi-2026-04.json"
LATER = Path(__file__).parent / "contract" / "webhook-subscriptions-later.json"
APRIL = Path(__file__).parent / "contract" / "company-api-v2-2026-04-extract.json"
HOST = "https://app.pennylane.com"
PLURAL = re.compile(r"^/api/external/v2/webhook_subscriptions(/\d+)?$")
OUTSIDE = {  # exchanges no Pennylane API description covers, and why
    "/oauth/token": "the OAuth token endpoint: a securityScheme in the spec, not a path",
    "/files/": "an invoice PDF behind public_file_url: a pre-signed link on another host",
}


def spec_path() -> Path:
    """The April 2026 spec as the test reads it: the extract kept in the repository (a clean
    clone has it), made from the vendor's file by ``contract/extract_april.py``."""
    return APRIL


@cache
def _april() -> tuple[OpenAPI, dict[str, Any]]:
    raw = json.loads(spec_path().read_text(encoding="utf-8"))
    return OpenAPI.from_dict(raw, config=Config(spec_validator_cls=None)), raw


@cache
def _later() -> tuple[OpenAPI, dict[str, Any]]:
    raw = json.loads(LATER.read_text(encoding="utf-8"))
    return OpenAPI.from_dict(raw), raw


@dataclass(frozen=True)
class _Request:
    method: str
    path: str
    parameters: RequestParameters
    body: bytes | None
    content_type: str
    host_url: str = HOST


@dataclass(frozen=True)
class _Response:
    status_code: int
    data: bytes | None
    content_type: str
    headers: Headers


@dataclass(frozen=True)
class Checked:
    """One exchange and what the descriptions say of it."""

    exchange: Exchange
    operation: str  # the spec's operationId, or why no description covers it
    problems: tuple[str, ...]

    @property
    def line(self) -> str:
        e = self.exchange
        return f"{e.method} {e.path} -> {e.status} ({self.operation})"


def _request(exchange: Exchange) -> _Request:
    query = ImmutableMultiDict([(k, v) for k, vs in exchange.query.items() for v in vs])
    headers = Headers(list(exchange.headers.items()))
    return _Request(
        method=exchange.method.lower(),
        path=exchange.path,
        parameters=RequestParameters(query=query, header=headers, cookie=ImmutableMultiDict()),
        body=exchange.body or None,
        content_type=headers.get("Content-Type", "").lower(),
    )


def _response(exchange: Exchange) -> _Response:
    return _Response(
        status_code=exchange.status,
        data=exchange.response or None,
        content_type=exchange.response_type,
        headers=Headers([("Content-Type", exchange.response_type)]),
    )


def _messages(exc: Exception) -> list[str]:
    """What the validator found, down to the schema errors (truncated for reading)."""
    found: list[str] = [f"{type(exc).__name__}: {str(exc)[:300]}"]
    cause: BaseException | None = exc.__cause__
    while cause is not None:
        errors = getattr(cause, "schema_errors", None)
        for error in errors or ():
            found.append(f"  {_where(error.absolute_path)}: {error.message[:200]}")
            # a oneOf/anyOf says only that no branch fits: say why each branch does not
            found.extend(
                f"    branch {'/'.join(map(str, sub.relative_schema_path))}: {sub.message[:160]}"
                for sub in (error.context or [])[:12]
            )
        cause = cause.__cause__
    return found


def _where(path: Iterable[Any]) -> str:
    return "/".join(map(str, path)) or "(body)"


def operation_of(exchange: Exchange) -> str:
    """The operationId the exchange follows, or the reason no description has it."""
    for prefix, why in OUTSIDE.items():
        if exchange.path.startswith(prefix):
            return f"outside: {why}"
    spec = _later()[1] if PLURAL.match(exchange.path) else _april()[1]
    for template, item in spec["paths"].items():
        pattern = "^" + re.sub(r"\{[^}]+\}", r"[^/]+", template) + "$"
        if re.match(pattern, exchange.path) and exchange.method.lower() in item:
            return str(item[exchange.method.lower()]["operationId"])
    return "no such operation"


def _probe(exchange: Exchange) -> bool:
    """The one request that asks which webhook API the company has: GET on the plural path,
    answered 404 by a company whose API has only the singular one."""
    return (
        exchange.method == "GET"
        and exchange.path == "/api/external/v2/webhook_subscriptions"
        and exchange.status == 404
    )


def _not_found_body(exchange: Exchange) -> list[str]:
    schema = _april()[1]["components"]["responses"]["NotFound"]["content"]["application/json"]
    try:
        body = json.loads(exchange.response)
    except ValueError:
        return ["the 404 body is not JSON"]
    return [e.message for e in OAS30Validator(schema["schema"]).iter_errors(body)]


def check(exchanges: Iterable[Exchange]) -> list[Checked]:
    """Each exchange with the mismatches found (none, when it is as described)."""
    results = []
    for exchange in exchanges:
        operation = operation_of(exchange)
        problems: list[str] = []
        if not operation.startswith("outside"):
            api = _later()[0] if PLURAL.match(exchange.path) else _april()[0]
            request = _request(exchange)
            with warnings.catch_warnings():
                # the spec's oauth2 scheme is one openapi-core does not check: it says so
                warnings.filterwarnings("ignore", "Unsupported scheme type", UserWarning)
                try:
                    api.validate_request(request)
                except Exception as exc:
                    problems.extend(_messages(exc))
                if _probe(exchange):
                    operation = "version probe (a path this company's API does not have)"
                    problems.extend(_not_found_body(exchange))
                else:
                    try:
                        api.validate_response(request, _response(exchange))
                    except Exception as exc:
                        problems.extend(_messages(exc))
        results.append(Checked(exchange, operation, tuple(problems)))
    return results


def report(results: Sequence[Checked]) -> str:
    """The mismatches, one exchange after the other, for an assertion message."""
    lines: list[str] = []
    for result in results:
        if result.problems:
            lines.append(result.line)
            lines.extend(f"    {p}" for p in result.problems)
    return "\n".join(lines)
