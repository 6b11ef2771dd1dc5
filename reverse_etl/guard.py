"""The change-share guard: stop a sync that would rewrite far more records than a morning does.

Its purpose is to catch broken upstream data (every probability at zero, a payload of wrong keys) before it
reaches the CRM, not to stop scores from moving. How much they move on an ordinary morning depends on the
model: one that leans on time-driven features (days in stage, days since the last activity) moves most
deals' probability by a point every day. So the limit scales with what the previous morning did: a run may
change the mapping's `max_change_share`, or the share the last run that wrote changed plus
`EXPECTED_MOVE_MARGIN`, whichever is larger. A sudden jump still stops; a model that always moves many
records does not cry wolf every morning. Runs that were stopped never raise the limit (they wrote nothing);
a forced run (a promotion day rescores every deal) does, for the next morning only: the morning after a new
champion is never stopped for moving as much as the new model moves.
"""

from __future__ import annotations

import psycopg

from reverse_etl.diff import DiffStats
from reverse_etl.mapping import Mapping
from reverse_etl.result import PARTIAL, SUCCEEDED

# Twenty points above the previous morning's share: day-to-day variation of an ordinary morning on the demo
# CRM stays well inside it, while a broken payload moves (nearly) every record at once.
EXPECTED_MOVE_MARGIN = 0.2


def previous_change_share(conn: psycopg.Connection, sync_name: str) -> float | None:
    """changed / received of the sync's last run that wrote, or None when it has none. The sync's first run
    does not count: every record was new then, which says nothing about how much a morning moves."""
    row = conn.execute(
        "select changed, received from reverse_etl.sync_log as l where sync_name = %(name)s"
        " and status = any(%(wrote)s) and received > 0 and exists (select 1 from reverse_etl.sync_log as e"
        " where e.sync_name = l.sync_name and e.status = any(%(wrote)s) and e.started_at < l.started_at)"
        " order by started_at desc limit 1",
        {"name": sync_name, "wrote": [SUCCEEDED, PARTIAL]},
    ).fetchone()
    return None if row is None else row[0] / row[1]


def change_share_limit(mapping: Mapping, previous_share: float | None) -> float:
    if previous_share is None:
        return mapping.max_change_share
    return min(1.0, max(mapping.max_change_share, previous_share + EXPECTED_MOVE_MARGIN))


def guard_rail(mapping: Mapping, stats: DiffStats, limit: float, force: bool) -> str | None:
    """Why the run must stop before writing, or None. A first sync (no state) is exempt."""
    if force or stats.synced_total == 0:
        return None
    if stats.change_share > limit:
        scaled = (
            ""
            if limit == mapping.max_change_share
            else f", scaled from {mapping.max_change_share:.0%} by the last run"
        )
        return (
            f"{stats.changed_existing} of {stats.synced_in_payload} synced records would change "
            f"({stats.change_share:.0%}, limit {limit:.0%}{scaled}); check upstream, or force"
        )
    if mapping.retire_missing and stats.received == 0:
        return f"the payload is empty; it would retire all {stats.synced_total} synced records; check upstream, or force"
    return None
