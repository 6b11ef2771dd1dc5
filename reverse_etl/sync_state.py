"""What was last written, and what each run did: tables in the warehouse schema `reverse_etl`.

- `sync_state`: one row per (sync, record) holding the md5 of the compared fields last
  written, so a run sends only new or changed records.
- `sync_log`: one row per run, including refused, stopped, dry and failed runs.
- `sync_record_error`: one row per record a run could not write, with the reason.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

import psycopg
from psycopg import sql

from reverse_etl.result import ABORTED, SyncResult
from warehouse.schemas import ensure_schema

_DDL = """
create table if not exists reverse_etl.sync_state (
    sync_name         text not null,
    record_key        text not null,
    payload_hash      text not null,
    first_synced_at   timestamptz not null,
    last_synced_at    timestamptz not null,
    last_sync_run_id  uuid,
    primary key (sync_name, record_key)
);
create table if not exists reverse_etl.sync_log (
    sync_run_id       uuid primary key default gen_random_uuid(),
    sync_name         text not null,
    started_at        timestamptz not null,
    finished_at       timestamptz,
    status            text not null,
    received          integer,
    changed           integer,
    written           integer,
    retired           integer,
    failed            integer,
    message           text,
    dagster_run_id    text
);
-- Added after the first release (issue 16), so warehouses logged before keep working: the run's as-of
-- date (the guard counts days between writes with it), the compared fields (a change of them changes every
-- hash), and a release of the guard (who, when, why).
alter table reverse_etl.sync_log add column if not exists as_of_date date;
alter table reverse_etl.sync_log add column if not exists compared_fields text;
alter table reverse_etl.sync_log add column if not exists forced_by text;
alter table reverse_etl.sync_log add column if not exists forced_at timestamptz;
alter table reverse_etl.sync_log add column if not exists force_reason text;
create table if not exists reverse_etl.sync_record_error (
    sync_run_id       uuid not null,
    sync_name         text not null,
    record_key        text,
    error             text not null,
    logged_at         timestamptz not null default now()
);
"""


def ensure_tables(conn: psycopg.Connection) -> None:
    # Two syncs starting at once (Dagster runs them in parallel) would race on `create ... if
    # not exists` and one would fail on pg_type's unique index; the lock serialises the DDL.
    with conn.transaction():
        conn.execute("select pg_advisory_xact_lock(hashtext('reverse_etl.ddl'))")
        ensure_schema(conn, "reverse_etl")
        conn.execute(_DDL)


@contextmanager
def sync_lock(conn: psycopg.Connection, sync_name: str) -> Iterator[bool]:
    """Yields whether this session got the sync's lock, so two runs never diff the same state at once.

    Released explicitly: a closed session's locks go only when its backend has finished exiting,
    which after dropping a 1M-row temp table is late enough to refuse the next run spuriously.
    """
    key = "reverse_etl.sync:" + sync_name
    acquired = conn.execute("select pg_try_advisory_lock(hashtext(%s))", (key,)).fetchone()[0]
    try:
        yield bool(acquired)
    finally:
        if acquired:
            conn.execute("select pg_advisory_unlock(hashtext(%s))", (key,))


def start_log(
    conn: psycopg.Connection,
    sync_name: str,
    dagster_run_id: str,
    *,
    as_of: date | None = None,
    compared_fields: str | None = None,
    force_reason: str | None = None,
    forced_by: str | None = None,
) -> str:
    row = conn.execute(
        "insert into reverse_etl.sync_log (sync_name, started_at, status, dagster_run_id, as_of_date,"
        " compared_fields, force_reason, forced_by, forced_at)"
        " values (%s, now(), 'running', %s, %s, %s, %s, %s, case when %s::text is not null then now() end)"
        " returning sync_run_id::text",
        (sync_name, dagster_run_id, as_of, compared_fields, force_reason, forced_by, force_reason),
    ).fetchone()
    return row[0]


def close_abandoned_logs(conn: psycopg.Connection, sync_name: str, sync_run_id: str) -> int:
    """Close as `aborted` the sync's earlier log rows still `running`: their run was killed before it
    finished (a kill loses the last update). Call while holding the sync's lock, so no live run owns one; a
    run that had logged its row but not yet taken the lock only gets refused and overwrites the row.
    Returns how many were closed."""
    return conn.execute(
        "update reverse_etl.sync_log set status = %s, finished_at = now(),"
        " message = format('the run ended before this sync finished (killed?); closed by sync run %%s', %s::text)"
        " where sync_name = %s and status = 'running' and sync_run_id <> %s::uuid",
        (ABORTED, sync_run_id, sync_name, sync_run_id),
    ).rowcount


def finish_log(conn: psycopg.Connection, sync_run_id: str, result: SyncResult) -> None:
    conn.execute(
        "update reverse_etl.sync_log set finished_at = now(), status = %s, received = %s, changed = %s,"
        " written = %s, retired = %s, failed = %s, message = %s where sync_run_id = %s",
        (
            result.status,
            result.received,
            result.changed,
            result.written,
            result.retired,
            result.failed,
            result.message,
            sync_run_id,
        ),
    )


def record_errors(
    conn: psycopg.Connection, sync_run_id: str, sync_name: str, errors: list[tuple[str | None, str]]
) -> None:
    with (
        conn.cursor() as cur,
        cur.copy(
            "copy reverse_etl.sync_record_error (sync_run_id, sync_name, record_key, error) from stdin"
        ) as copy,
    ):
        for record_key, error in errors:
            copy.write_row((sync_run_id, sync_name, record_key, error))


def record_synced(
    conn: psycopg.Connection, sync_name: str, sync_run_id: str, written_table: str, failed_keys: list[str]
) -> None:
    """Remember the hash of every record in `written_table` (record_key, payload_hash) but the failed.

    Records left alone on purpose (a rep owns the task, the CRM already holds the values) count
    as synced too, so they are not offered again until their payload changes.
    """
    conn.execute(
        sql.SQL(
            "insert into reverse_etl.sync_state as s (sync_name, record_key, payload_hash,"
            " first_synced_at, last_synced_at, last_sync_run_id)"
            " select %(sync)s, w.record_key, w.payload_hash, now(), now(), %(run)s from {written} as w"
            " where not (w.record_key = any(%(failed)s::text[]))"
            " on conflict (sync_name, record_key) do update set payload_hash = excluded.payload_hash,"
            " last_synced_at = excluded.last_synced_at, last_sync_run_id = excluded.last_sync_run_id"
        ).format(written=sql.Identifier(written_table)),
        {"sync": sync_name, "run": sync_run_id, "failed": [k for k in failed_keys if k is not None]},
    )


def forget_records(conn: psycopg.Connection, sync_name: str, record_keys: list[str]) -> None:
    """Drop the state of records the CRM refused after the fact (a data loader's error file): sent again."""
    conn.execute(
        "delete from reverse_etl.sync_state where sync_name = %s and record_key = any(%s)",
        (sync_name, record_keys),
    )


def forget_missing(conn: psycopg.Connection, sync_name: str, keys_table: str) -> None:
    """Drop the state of records no longer in the payload (their tasks were just retired).

    If such an action returns to a rep's top 3 later, it is new again and reopens its task.
    """
    conn.execute(
        sql.SQL(
            "delete from reverse_etl.sync_state as s where s.sync_name = %s"
            " and not exists (select 1 from {keys} as k where k.record_key = s.record_key)"
        ).format(keys=sql.Identifier(keys_table)),
        (sync_name,),
    )


def reset_sync_state(warehouse_url: str) -> None:
    """Forget what every sync last wrote: for a destination that was replaced (a rebuilt demo CRM), where
    the records Momentum wrote no longer exist and every one must be sent again."""
    with psycopg.connect(warehouse_url) as conn:
        if conn.execute("select to_regclass('reverse_etl.sync_state') is not null").fetchone()[0]:
            conn.execute("truncate reverse_etl.sync_state")
