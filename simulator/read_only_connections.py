"""The connections a local CRM API server (simulator/salesforce_api/, simulator/hubspot_api/) reads the demo CRM
through: read-only sessions in UTC, kept in a pool so a request does not pay for a new connection. Writes
(the Salesforce server's write endpoints) open their own connection."""

from __future__ import annotations

import queue
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg


class ReadOnlyConnections:
    def __init__(self, warehouse_url: str):
        self.warehouse_url = warehouse_url
        self._pool: queue.SimpleQueue[psycopg.Connection] = queue.SimpleQueue()

    @contextmanager
    def connection(self) -> Iterator[psycopg.Connection]:
        try:
            conn = self._pool.get_nowait()
        except queue.Empty:
            conn = psycopg.connect(
                self.warehouse_url,
                autocommit=True,
                options="-c default_transaction_read_only=on -c timezone=UTC",
            )
        try:
            yield conn
        finally:
            if not (conn.closed or conn.broken):
                self._pool.put(conn)

    def close(self) -> None:
        while not self._pool.empty():
            self._pool.get_nowait().close()
