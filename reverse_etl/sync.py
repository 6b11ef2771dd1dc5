"""Run one declared sync: diff today's payload against sync state, check the guard rails, write
the changed records into the CRM, remember what was written, and log the run.

Failure semantics. When the CRM lives in the warehouse database (the product's default, same
URL), the CRM write and the sync-state update commit in one transaction: both happen or neither.
When it lives elsewhere, the CRM transaction commits first and the state second; a crash between
the two leaves the state behind the CRM, and the next run sends those records again. That resend
changes nothing, because writes match by id or external id and a record whose CRM values already
equal the payload is left alone: at-least-once delivery, exactly-once effect. The opposite order
(state first) could lose an update for good, so state never commits before the CRM.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections import Counter
from dataclasses import dataclass
from datetime import date

import psycopg

from reverse_etl import diff, guard, sync_state
from reverse_etl.destination import DestinationFactory, ReturnsLoadResults, WriteCounts
from reverse_etl.mapping import Mapping, check_allow_list, load_allow_list
from reverse_etl.result import DRY_RUN, FAILED, PARTIAL, REFUSED, STOPPED, SUCCEEDED, SyncResult
from warehouse.copy import stream_copy
from warehouse.timeouts import LOCK_TIMEOUT_SETTING

ERRORS_IN_MESSAGE = 3


class CrmTableLocked(RuntimeError):
    """The CRM table stayed locked by another session longer than the pipeline's lock_timeout."""


def run_sync(
    warehouse_url: str,
    destination_url: str,
    mapping: Mapping,
    *,
    open_destination: DestinationFactory,
    run_id: str,
    upstream_ok: bool = True,
    dry_run: bool = False,
    force: bool = False,
    override: guard.Override | None = None,
    as_of: date | None = None,
    sample_size: int = 5,
) -> SyncResult:
    """Sync one mapping into the destination `open_destination` makes (crm.connectors picks it).
    `run_id` (the Dagster run id, or the CLI's) goes into the sync log, with `as_of` (the run's as-of date:
    the guard counts the days between writes with it) and `override` (a release of the guard: its reason and
    who gave it). `force` without an override is logged with the reason "forced".

    Returns a refused / stopped result instead of writing when a guard rail holds. Logs and
    re-raises any error; an error before the CRM commit leaves nothing of this run in the CRM.
    """
    check_allow_list(mapping, load_allow_list())  # a hand-built Mapping gets the same check as YAML
    with psycopg.connect(warehouse_url, autocommit=True) as wconn:
        _session_defaults(wconn)
        sync_state.ensure_tables(wconn)
        run = _Run(
            mapping,
            sync_state.start_log(
                wconn,
                mapping.name,
                run_id,
                as_of=as_of,
                compared_fields=guard.compared_fields(mapping),
                force_reason=override.reason if override else "forced" if force else None,
                forced_by=override.by if override else None,
            ),
            destination_url,
            open_destination,
            same_database=warehouse_url == destination_url,
            dry_run=dry_run,
            sample_size=sample_size,
        )
        try:
            result = _run(
                wconn, run, upstream_ok=upstream_ok, force=force or override is not None, as_of=as_of
            )
        except Exception as exc:
            failure = run.outcome(FAILED, f"{type(exc).__name__}: {exc}")
            with contextlib.suppress(psycopg.Error):  # the original error matters more than the log's
                sync_state.finish_log(wconn, run.sync_run_id, failure)
            raise
        sync_state.finish_log(wconn, run.sync_run_id, result)
        return result


@dataclass(frozen=True)
class _Run:
    """The fixed inputs of one run."""

    mapping: Mapping
    sync_run_id: str
    destination_url: str
    open_destination: DestinationFactory
    same_database: bool
    dry_run: bool
    sample_size: int

    def outcome(self, status: str, message: str, **counts) -> SyncResult:
        return SyncResult(self.mapping.name, status, message=message, sync_run_id=self.sync_run_id, **counts)


def _run(
    wconn: psycopg.Connection, run: _Run, *, upstream_ok: bool, force: bool, as_of: date | None
) -> SyncResult:
    if not upstream_ok:
        return run.outcome(REFUSED, "upstream blocking checks failed; nothing was sent")
    with sync_state.sync_lock(wconn, run.mapping.name) as locked:
        if not locked:
            return run.outcome(REFUSED, "another run of this sync is in progress")
        # Holding the sync's lock, no other session is running it: a 'running' row left is a killed run's.
        sync_state.close_abandoned_logs(wconn, run.mapping.name, run.sync_run_id)
        with _refused_after_the_fact(wconn, run) as refused:
            stats = diff.build_diff(wconn, run.mapping)
            last = guard.last_write(wconn, run.mapping.name, as_of)
            stop = guard.guard_rail(
                run.mapping, stats, guard.change_share_limit(run.mapping, last, stats), force
            )
            if stop and not run.dry_run:
                result = run.outcome(STOPPED, stop, received=stats.received, changed=stats.changed)
            else:
                # A dry run shows the diff a stopped run would have sent: that is what the user looks at before forcing.
                result = _write(wconn, run, stats, would_stop=stop)
        if refused:
            note = f"{len(refused)} records the CRM refused on loading an earlier run's files, logged and offered again"
            result = dataclasses.replace(
                result, message=f"{result.message}; {note}" if result.message else note
            )
        return result


@contextlib.contextmanager
def _refused_after_the_fact(wconn: psycopg.Connection, run: _Run):
    """Records a destination loaded by hand was refused (ReturnsLoadResults): logged in sync_record_error under
    this run, their state forgotten so that today's diff sends them again. A dry run leaves them for a real one."""
    if run.dry_run or not isinstance(run.open_destination, ReturnsLoadResults):
        yield []
        return
    with run.open_destination.refused_records(run.mapping) as refused:
        if refused:
            sync_state.forget_records(wconn, run.mapping.name, [key for key, _ in refused])
            sync_state.record_errors(wconn, run.sync_run_id, run.mapping.name, refused)
        yield refused


def _write(
    wconn: psycopg.Connection, run: _Run, stats: diff.DiffStats, would_stop: str | None = None
) -> SyncResult:
    errors = diff.bad_key_errors(wconn, run.mapping) if stats.bad_keys else []
    with psycopg.connect(run.destination_url, autocommit=True) as dconn:
        _session_defaults(dconn)
        try:
            counts, changes, stage_errors = _send(wconn, dconn, run, stats.changed)
        except psycopg.errors.LockNotAvailable:
            # PostgreSQL's message names neither the table nor the setting; the traceback stays in --debug.
            lock_timeout = wconn.execute("show lock_timeout").fetchone()[0]
            raise CrmTableLocked(
                f"the CRM's {run.mapping.object} table stayed locked by another session for longer than the "
                f"lock_timeout of {lock_timeout}, so sync {run.mapping.name} wrote nothing: find the session "
                f"holding it (pg_locks), or raise {LOCK_TIMEOUT_SETTING} (seconds)"
            ) from None
    errors += stage_errors
    if not (run.dry_run or run.same_database):
        with wconn.transaction():
            _remember(wconn, run, diff.CANDIDATES, diff.PAYLOAD, errors)
    if errors and not run.dry_run:
        sync_state.record_errors(wconn, run.sync_run_id, run.mapping.name, errors)
    left_alone = stats.changed - counts.written - len(stage_errors)
    message = (
        f"{counts.inserted} inserted, {counts.updated} updated, "
        f"{left_alone} left alone (CRM already current, or a rep owns the record)"
    )
    if errors:
        message += "; failed e.g. " + "; ".join(f"{k}: {e}" for k, e in errors[:ERRORS_IN_MESSAGE])
    if would_stop:
        message = f"a real run would stop: {would_stop}; {message}"
    field_counts = Counter(field for record in changes for field in record["changes"])
    return run.outcome(
        DRY_RUN if run.dry_run else PARTIAL if errors else SUCCEEDED,
        message,
        received=stats.received,
        changed=stats.changed,
        written=counts.written,
        retired=counts.retired,
        failed=len(errors),
        sample=changes[: run.sample_size],
        field_counts=tuple(sorted(field_counts.items(), key=lambda item: (-item[1], item[0]))),
    )


def _send(
    wconn: psycopg.Connection, dconn: psycopg.Connection, run: _Run, changed: int
) -> tuple[WriteCounts, tuple[dict, ...], list[tuple[str, str]]]:
    """Stage the candidates in the destination and write them (or, dry, count them and return every changed
    record's old and new values: the per-field counts come from them) in one transaction."""
    changes: tuple[dict, ...] = ()
    with dconn.transaction():
        destination = run.open_destination(dconn, run.mapping)
        destination.create_stage()
        stream_copy(wconn, dconn, diff.candidates_copy_sql(run.mapping), destination.stage_copy_sql())
        if run.mapping.retire_missing:
            stream_copy(wconn, dconn, diff.keys_copy_sql(), destination.keys_copy_sql())
        errors = destination.mark_failures()
        if run.dry_run:
            counts, changes = destination.count_writes(), destination.sample(max(changed, run.sample_size))
            raise psycopg.Rollback()
        counts = destination.write()
        errors += counts.failures  # an API destination hears of refused records only in its answers
        if run.same_database:
            _remember(dconn, run, destination.stage_table, destination.keys_table, errors)
    return counts, changes, errors


def _remember(conn: psycopg.Connection, run: _Run, written_table: str, keys_table: str, errors: list) -> None:
    failed_keys = [key for key, _ in errors]
    sync_state.record_synced(conn, run.mapping.name, run.sync_run_id, written_table, failed_keys)
    if run.mapping.retire_missing:
        sync_state.forget_missing(conn, run.mapping.name, keys_table)


def _session_defaults(conn: psycopg.Connection) -> None:
    # COPY text carries dates and timestamps as text: pin the format on both ends so the warehouse
    # writes what the destination parses, whatever either server's configuration says.
    conn.execute("set datestyle = 'ISO, YMD'")
    conn.execute("set timezone = 'UTC'")
