"""Schemathesis against the running receiver: whatever it is sent, no 5xx and no crash.

The cases come from schemathesis' Python API (one hypothesis strategy per operation of the
receiver's own ``/openapi.json``), driven by hypothesis' ``@given`` inside the test. Its pytest
plugin (``schemathesis.pytest.from_fixture`` + ``schema.parametrize()``) is not used: it renames
pytest's nodes through a private attribute (``Node._nodeid``) that pytest 9.2 no longer has.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections import Counter
from typing import TYPE_CHECKING, Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core import NotSet
from schemathesis.core.result import Ok

from connector.clock import FrozenClock

from .test_receiver import SECRET, metrics, receiver, store, subscription

if TYPE_CHECKING:  # generic only in recent schemathesis releases
    from hypothesis.strategies import SearchStrategy

    Operation = schemathesis.APIOperation[Any, Any, Any, Any]
    Cases = SearchStrategy[schemathesis.Case[Any]]

__all__ = ["metrics", "receiver", "store", "subscription"]

EXAMPLES_PER_OPERATION = 60
WEBHOOK = "POST /webhooks/{platform}/{tenant}"
KNOWN = {"platform": "pennylane", "tenant": "acme"}


def _operations(receiver: str) -> list[Operation]:
    schema = schemathesis.openapi.from_url(f"{receiver}/openapi.json")
    operations = []
    for result in schema.get_all_operations():
        if not isinstance(result, Ok):
            pytest.fail(f"the receiver's OpenAPI description is invalid: {result.err()}")
        operations.append(result.ok())
    return operations


def _takes_input(operation: Operation) -> bool:
    parameters = any(True for _ in operation.iter_parameters())
    return parameters or bool(operation.get_request_payload_content_types())


def test_the_fuzzed_operations_include_the_webhook_endpoint(receiver: str) -> None:
    labels = {operation.label for operation in _operations(receiver)}
    assert WEBHOOK in labels
    assert {"GET /healthz", "GET /readyz"} <= labels
    webhook = next(o for o in _operations(receiver) if o.label == WEBHOOK)
    assert _takes_input(webhook)  # so the negative cases reach it


def _strategies(receiver: str, mode: GenerationMode) -> list[Cases]:
    """Each operation's cases; the webhook's also aimed at a real tenant (and signed, see
    ``_signed``), so that they get past the refusals and reach the body and the store."""
    strategies = []
    for operation in _operations(receiver):
        if mode is GenerationMode.NEGATIVE and not _takes_input(operation):
            continue  # nothing in the request can be made invalid (GET /healthz)
        strategies.append(operation.as_strategy(generation_mode=mode))
        if operation.label == WEBHOOK:
            strategies.append(operation.as_strategy(generation_mode=mode, path_parameters=KNOWN))
    return strategies


def _signed(case: schemathesis.Case[Any], clock: FrozenClock) -> dict[str, Any]:
    """For a case aimed at the real tenant: its body as bytes, signed with the tenant's
    secret, so that the receiver gets past the signature and reads whatever was generated."""
    if case.operation.label != WEBHOOK or case.path_parameters != KNOWN:
        return {}
    body = b"" if isinstance(case.body, NotSet) else json.dumps(case.body, default=str).encode()
    now = int(clock.now().timestamp())
    mac = hmac.new(SECRET.encode(), f"{now}.".encode() + body, hashlib.sha256).hexdigest()
    headers = {**(case.headers or {}), "X-Pennylane-Signature": f"t={now},v1={mac}"}
    return {"data": body, "headers": headers}


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_no_input_makes_the_receiver_fail(
    receiver: str, mode: GenerationMode, pl_clock: FrozenClock
) -> None:
    statuses: Counter[int] = Counter()
    for strategy in _strategies(receiver, mode):

        @given(case=strategy)
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        )
        def no_server_error(case: schemathesis.Case[Any]) -> None:
            response = case.call(timeout=10, **_signed(case, pl_clock))
            statuses[response.status_code] += 1
            case.validate_response(response, checks=[not_a_server_error])

        no_server_error()
    # the cases reached the receiver's refusals, not only its 404 for an unknown tenant
    # the signed cases got past the refusals into the parsing of their bodies
    assert statuses[401] and (statuses[400] or statuses[202])
