"""The receiver's inbox writer: one thread storing what the request handlers verified."""

from __future__ import annotations

import queue
import threading
import time
from concurrent.futures import Future

from sqlalchemy.exc import SQLAlchemyError

from connector.errors import RelanceError
from connector.source import Event
from connector.store import Store

__all__ = ["InboxWriter"]

_Delivery = tuple[str, str, list[Event], Future[int]]  # tenant, platform, events, commit


class InboxWriter:
    """One thread that stores what the request handlers verified, a few deliveries per
    transaction: each request still waits for its own commit before it answers, but
    concurrent requests share one commit (one fsync) instead of one each."""

    def __init__(self, store: Store, *, batch: int = 64, linger: float = 0.002) -> None:
        self.store, self.batch, self.linger = store, batch, linger
        self._queue: queue.SimpleQueue[_Delivery | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="inbox-writer", daemon=True)
        self._thread.start()

    def submit(self, tenant: str, platform: str, events: list[Event]) -> Future[int]:
        done: Future[int] = Future()
        self._queue.put((tenant, platform, events, done))
        return done

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join(timeout=10)

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            items = [first]
            deadline = time.monotonic() + self.linger
            while len(items) < self.batch:
                try:
                    item = self._queue.get(timeout=max(0.0, deadline - time.monotonic()))
                except queue.Empty:
                    break
                if item is None:
                    self._queue.put(None)  # finish this batch, then stop
                    break
                items.append(item)
            # a request that gave up waiting (and answered 503) is not stored now: its
            # platform retries; one already being stored is kept (a retry is then a duplicate)
            self._store([item for item in items if item[3].set_running_or_notify_cancel()])

    def _store(self, items: list[_Delivery]) -> None:
        if not items:
            return
        try:
            counts = self.store.record_inbound_batch([(t, p, e) for t, p, e, _ in items])
        except (RelanceError, SQLAlchemyError):
            for tenant, platform, events, done in items:  # each on its own: errors stay theirs
                try:
                    done.set_result(self.store.record_inbound(tenant, platform, events))
                except (RelanceError, SQLAlchemyError) as exc:
                    done.set_exception(exc)
            return
        for (_, _, _, done), count in zip(items, counts, strict=True):
            done.set_result(count)
