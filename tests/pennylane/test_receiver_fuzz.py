"""Schemathesis against the running receiver: whatever it is sent, no 5xx and no crash.

The cases come from schemathesis' Python API (one hypothesis strategy per operation of the
receiver's own ``/openapi.json``), driven by hypothesis' ``@given`` inside the test. Its pytest
plugin (``schemathesis.pytest.from_fixture`` + ``schema.parametrize()``) is not used: it renames
pytest's nodes through a private attribute (``Node._nodeid``) that pytest 9.2 no longer has.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok

from .test_receiver import metrics, receiver, store, subscription

if TYPE_CHECKING:  # generic only in recent schemathesis releases
    from hypothesis.strategies import SearchStrategy

    Operation = schemathesis.APIOperation[Any, Any, Any, Any]
    Cases = SearchStrategy[schemathesis.Case[Any]]

__all__ = ["metrics", "receiver", "store", "subscription"]

EXAMPLES_PER_OPERATION = 60
WEBHOOK = "POST /webhooks/{platform}/{tenant}"


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
    """Each operation's cases; the webhook's also aimed at a real tenant, so that they get past
    the 404 for an unknown one and reach the body, the signature and the store."""
    strategies = []
    for operation in _operations(receiver):
        if mode is GenerationMode.NEGATIVE and not _takes_input(operation):
            continue  # nothing in the request can be made invalid (GET /healthz)
        strategies.append(operation.as_strategy(generation_mode=mode))
        if operation.label == WEBHOOK:
            known = {"platform": "pennylane", "tenant": "acme"}
            strategies.append(operation.as_strategy(generation_mode=mode, path_parameters=known))
    return strategies


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_no_input_makes_the_receiver_fail(receiver: str, mode: GenerationMode) -> None:
    statuses: Counter[int] = Counter()
    for strategy in _strategies(receiver, mode):

        @given(case=strategy)
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        )
        def no_server_error(case: schemathesis.Case[Any]) -> None:
            response = case.call(timeout=10)
            statuses[response.status_code] += 1
            case.validate_response(response, checks=[not_a_server_error])

        no_server_error()
    # the cases reached the receiver's refusals, not only its 404 for an unknown tenant
    assert statuses[404] and (statuses[400] or statuses[401])
