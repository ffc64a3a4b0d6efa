"""The emulated companies: their records, changes, tokens, injected faults, and the webhook
deliveries Intuit would send about them. Time is the test's clock: nothing sleeps."""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from connector.clock import Clock
from tests.secrets_watch import watch

from .query import ENTITIES, changed

__all__ = ["COMPANY_TZ", "REALM", "Change", "Fault", "QuickBooksState", "Seen"]

REALM = "9130350000000001"
# the companies' time zone: Intuit writes MetaData times in the company's local offset,
# to the second ("2015-10-05T14:42:19-07:00")
COMPANY_TZ = ZoneInfo("America/Los_Angeles")
ACCESS_LIFE, REFRESH_LIFE, GRACE = timedelta(hours=1), timedelta(days=100), timedelta(hours=24)


_PAST = {
    "Create": "created",
    "Update": "updated",
    "Delete": "deleted",
    "Void": "voided",
    "Merge": "merged",
    "Emailed": "emailed",
}


@dataclass
class Fault:
    method: str
    path: str  # a prefix of the path after /v3/company/{realm}
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)
    times: int = 1


def stamp(instant: datetime) -> str:
    """An instant as Intuit writes MetaData times: the company's offset, whole seconds."""
    return instant.astimezone(COMPANY_TZ).replace(microsecond=0).isoformat()


@dataclass(frozen=True)
class Seen:
    """One API request as the emulator received it (for tests to check what was asked)."""

    method: str
    path: str
    params: dict[str, str]
    accept: str


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
    seen: list[Seen] = field(default_factory=list)  # every API request, as it came
    queries: list[str] = field(default_factory=list)
    hits: dict[str, list[datetime]] = field(default_factory=dict)
    batches: dict[str, list[datetime]] = field(default_factory=dict)  # batch requests, per realm
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
            created = old["MetaData"]["CreateTime"] if old else stamp(now)
            record["MetaData"] = {"CreateTime": created, "LastUpdatedTime": stamp(now)}
            record.setdefault("domain", "QBO")
            table[record["Id"]] = record
            self.changes.append(Change(realm, entity, record["Id"], now))
            changed()
            return record

    def delete(self, entity: str, record_id: str, realm: str = REALM) -> None:
        with self.lock:
            del self.data[realm][entity][record_id]
            self.changes.append(Change(realm, entity, record_id, self.clock.now(), deleted=True))
            changed()

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
        return self.delivery({realm: events}, verifier=verifier, cloudevents=cloudevents)

    def delivery(
        self,
        by_realm: dict[str, list[tuple[str, str, str]]],
        *,
        verifier: str,
        cloudevents: bool = False,
    ) -> tuple[dict[str, str], bytes]:
        """(headers, body) of one delivery about several companies, as Intuit sends to an
        app's one webhook address: legacy (one notification per realm) or CloudEvents (an
        array of events, ``application/cloudevents+json``), signed with the verifier."""
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
                for realm, events in by_realm.items()
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
                    for realm, events in by_realm.items()
                ]
            }
        body = json.dumps(payload).encode()
        signature = base64.b64encode(
            hmac.new(verifier.encode(), body, hashlib.sha256).digest()
        ).decode()
        ctype = "application/cloudevents+json" if cloudevents else "application/json"
        return {"Content-Type": ctype, "intuit-signature": signature}, body

    def send_webhook(
        self, url: str, events: list[tuple[str, str, str]], *, verifier: str, **kwargs: Any
    ) -> int:
        """POST a signed delivery to ``url`` as Intuit does; returns the receiver's status."""
        import requests

        headers, body = self.webhook(events, verifier=verifier, **kwargs)
        return requests.post(url, data=body, headers=headers, timeout=3).status_code
