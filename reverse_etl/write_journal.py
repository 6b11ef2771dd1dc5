"""The journal of in-flight write batches, and sync state recorded batch by batch: what makes a sync into
an API crash-safe, for every destination behind an API (Salesforce, HubSpot) (docs/ARCHITECTURE.md, "Reverse ETL").

Before a batch is sent, one transaction records it in `reverse_etl.sync_journal` and forgets the sync
state of its records: from then until its answer is recorded, what the CRM holds for them is unknown.
Once the answer arrives, one transaction records the state of the records the CRM confirmed and deletes
the journal row. A run killed at any instant therefore leaves each record either confirmed (state =
what the CRM holds) or without state, which the next run's diff offers again; the writes are updates by
id and upserts by external id, so sending a record twice never duplicates it. Without the first step a
record whose payload went back to its last synced value would never be re-sent, and the killed run's
value would stay in the CRM (a lost update).

These run on their own autocommit connection: the engine's transaction on the warehouse rolls back when
the run dies, but what the CRM confirmed must stay recorded.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Protocol

import psycopg

from reverse_etl.api_stage import chunks
from warehouse.schemas import ensure_schema

log = logging.getLogger(__name__)

_DDL = """
create table if not exists reverse_etl.sync_journal (
    batch_id      uuid primary key default gen_random_uuid(),
    sync_name     text not null,
    operation     text not null,
    record_keys   text[] not null,
    sent_at       timestamptz not null default now()
);
"""


def ensure_journal(conn: psycopg.Connection) -> None:
    with conn.transaction():
        conn.execute("select pg_advisory_xact_lock(hashtext('reverse_etl.ddl'))")
        ensure_schema(conn, "reverse_etl")
        conn.execute(_DDL)


def left_in_flight(conn: psycopg.Connection, sync_name: str) -> int:
    """Close the batches a killed run left in flight; returns how many records they held. Their state was
    forgotten before they were sent, so today's diff has offered them again."""
    with conn.transaction():
        rows = conn.execute(
            "delete from reverse_etl.sync_journal where sync_name = %s returning cardinality(record_keys)",
            (sync_name,),
        ).fetchall()
    return sum(n for (n,) in rows)


def begin_batch(conn: psycopg.Connection, sync_name: str, operation: str, keys: list[str]) -> str:
    with conn.transaction():
        conn.execute(
            "delete from reverse_etl.sync_state where sync_name = %s and record_key = any(%s)",
            (sync_name, keys),
        )
        return conn.execute(
            "insert into reverse_etl.sync_journal (sync_name, operation, record_keys) values (%s, %s, %s)"
            " returning batch_id::text",
            (sync_name, operation, keys),
        ).fetchone()[0]


def finish_batch(
    conn: psycopg.Connection, batch_id: str, sync_name: str, confirmed: list[tuple[str, str]]
) -> None:
    """Record the state (record_key, payload_hash) of the records the CRM confirmed; close the batch."""
    with conn.transaction():
        if confirmed:
            keys, hashes = zip(*confirmed, strict=True)
            conn.execute(
                "insert into reverse_etl.sync_state (sync_name, record_key, payload_hash, first_synced_at,"
                " last_synced_at) select %s, k, h, now(), now() from unnest(%s::text[], %s::text[]) as c (k, h)"
                " on conflict (sync_name, record_key) do update set payload_hash = excluded.payload_hash,"
                " last_synced_at = excluded.last_synced_at",
                (sync_name, list(keys), list(hashes)),
            )
        conn.execute("delete from reverse_etl.sync_journal where batch_id = %s", (batch_id,))


class RecordAnswer(Protocol):
    """The CRM's answer for one record of a batch (crm/<kind>'s RecordResult)."""

    success: bool
    created: bool
    error: str | None


def open_journal(conn: psycopg.Connection, sync_name: str) -> None:
    """Ready the journal for a sync's write and close the batches a killed run of it left in flight."""
    ensure_journal(conn)
    resent = left_in_flight(conn, sync_name)
    if resent:
        log.info(
            "sync %s: %s records of batches a killed run left in flight were offered again", sync_name, resent
        )


def send_journalled(
    conn: psycopg.Connection,
    sync_name: str,
    operation: str,
    rows: list[dict],
    batch_size: int,
    send: Callable[[list[dict]], Sequence[RecordAnswer]],
) -> tuple[int, int, list[tuple[str, str]]]:
    """Send staged rows in batches, each journalled before it goes and its confirmed records' state recorded on the
    answer. `send` writes one batch and answers each row, in the batch's order. Returns (inserted, updated,
    (record key, the CRM's reason) of each refused record)."""
    inserted = updated = 0
    failures: list[tuple[str, str]] = []
    for batch in chunks(rows, batch_size):
        batch_id = begin_batch(conn, sync_name, operation, [row["record_key"] for row in batch])
        confirmed = []
        for row, answer in zip(batch, send(batch), strict=True):
            if answer.success:
                confirmed.append((row["record_key"], row["payload_hash"]))
                inserted, updated = inserted + answer.created, updated + (not answer.created)
            else:
                failures.append((row["record_key"], answer.error or "refused without a reason"))
        finish_batch(conn, batch_id, sync_name, confirmed)
    return inserted, updated, failures
