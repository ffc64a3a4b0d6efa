"""Schemathesis against the running receiver: whatever it is sent, no 5xx and no crash."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from .test_receiver import metrics, receiver, store, subscription

__all__ = ["metrics", "receiver", "store", "subscription"]


@pytest.fixture
def api_schema(receiver: str) -> Iterator[schemathesis.BaseSchema]:
    yield schemathesis.openapi.from_url(f"{receiver}/openapi.json")


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_no_input_makes_the_receiver_fail(case: schemathesis.Case) -> None:
    response = case.call(timeout=10)
    case.validate_response(response, checks=(not_a_server_error,))
