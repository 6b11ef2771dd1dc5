"""One Momentum run at a time per warehouse database: a session-level PostgreSQL advisory lock.

Two runs at once fail half-way (dbt's `__dbt_backup` relations collide, two syncs write the same records),
and a schedule and a manual run can overlap. So every run holds this lock for its whole length, on a
connection of its own; PostgreSQL releases it when that session ends, however the process ends (a killed run
leaves no stale lock). A second run waits up to MOMENTUM_RUN_WAIT seconds (0: refuses at once), then stops
with `RunLockBusy`, naming the run that holds the warehouse.

While a run holds the lock, no other run is alive on this warehouse: that is what lets the next run close
a killed run's leftovers (its Dagster runs, orchestration/runner.py) as aborted.
"""

from __future__ import annotations

import contextlib
import os
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg

# pg_try_advisory_lock(int, int): a namespace of Momentum's own ("MOM") and the run lock in it.
LOCK_NAMESPACE = 0x4D4F4D
RUN_LOCK = 1
RUN_WAIT_SETTING = "MOMENTUM_RUN_WAIT"


class RunLockBusy(RuntimeError):
    """Another run holds the warehouse; the message says which and what to do."""


@contextmanager
def hold_run_lock(
    url: str, *, what: str, wait_seconds: float = 0, poll_seconds: float = 1.0
) -> Iterator[None]:
    """Hold the warehouse's run lock while the block runs. `what` names this run (e.g. `morning`) to a run
    that finds the lock held."""
    # application_name is how the other run learns who holds the lock (pg_stat_activity); 63 bytes at most.
    name = f"momentum {what} pid {os.getpid()} on {socket.gethostname()}"[:63]
    conn = psycopg.connect(url, autocommit=True, application_name=name)
    held = False
    try:
        deadline = time.monotonic() + wait_seconds
        while not conn.execute("select pg_try_advisory_lock(%s, %s)", (LOCK_NAMESPACE, RUN_LOCK)).fetchone()[
            0
        ]:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise RunLockBusy(_busy_message(conn, wait_seconds))
            time.sleep(min(poll_seconds, remaining))
        held = True
        yield
    finally:
        # Released before closing: closing alone frees the lock only once the server's backend has exited, a
        # moment after close() returns, and a run started in that moment was refused (seen under load).
        if held and not conn.closed:
            with contextlib.suppress(psycopg.Error):  # a broken session: closing it releases the lock
                conn.execute("select pg_advisory_unlock(%s, %s)", (LOCK_NAMESPACE, RUN_LOCK))
        conn.close()


def _busy_message(conn: psycopg.Connection, waited: float) -> str:
    holder = conn.execute(
        "select a.application_name, to_char(a.backend_start at time zone 'UTC', 'YYYY-MM-DD HH24:MI:SS')"
        " from pg_locks l join pg_stat_activity a on a.pid = l.pid"
        " where l.locktype = 'advisory' and l.granted and l.classid = %s and l.objid = %s and l.objsubid = 2"
        " and l.database = (select oid from pg_database where datname = current_database())",
        (LOCK_NAMESPACE, RUN_LOCK),
    ).fetchone()
    who = f"{holder[0] or 'a session'}, started at {holder[1]} UTC" if holder else "a session that just ended"
    waited_for = f"after waiting {waited:g} s" if waited else "so this one stops"
    return (
        f"another Momentum run ({who}) holds the warehouse, {waited_for}: wait for it to finish, "
        f"or set {RUN_WAIT_SETTING} to the seconds a run may wait for it"
    )
