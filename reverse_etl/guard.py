"""The change-share guard: stop a sync that would rewrite far more records than a morning does.

Its purpose is to catch broken upstream data (every probability at zero, a payload of wrong keys) before it
reaches the CRM, not to stop scores from moving. Three things decide the limit on the share of already-synced
records a run may change (and, the same limit, on the share of records it has never synced: wrong keys):

1. **What an ordinary morning moves.** A model that leans on time-driven features (days in stage, days since
   the last activity) moves most deals' probability by a point every day. So the limit is the mapping's
   `max_change_share`, or the share the last run that wrote changed plus `EXPECTED_MOVE_MARGIN`, whichever
   is larger. A sudden jump still stops; a model that always moves many records does not cry wolf every
   morning. Runs that were stopped never raise the limit (they wrote nothing).
2. **How long the sync has not written** (the pause rule, issue 16). Every day without a sync lets more
   records drift past the CRM's values, and the diff only grows: 28 days without a run moved 1,175 of the
   demo's opportunities (over 60%), and a fixed limit refused that morning and every morning after it.
   Each day beyond the first since the sync last wrote adds `PAUSE_ALLOWANCE_PER_DAY` (10 points) to the
   limit, up to 100%: a weekend (3 days) allows 20 points more, a week or more allows everything. Measured on
   the demo CRM with a daily-moving model, 28 days moved 95% of the synced opportunities (1,442 of 1,513):
   any cap below 100% would stop the very return from a pause this rule is for. Days count between as-of
   dates when both runs had one (a simulated CRM's 28 days pass in minutes of wall time), else between the
   log's timestamps.
   The allowance goes only to a diff that looks like movement: when more than `SAME_CHANGE_SHARE_MAX` (half)
   of the changed records would get the very same values (every probability at 0, every field null), the
   payload is broken rather than late, and the ordinary limit holds. For an `update` sync (records the CRM
   already has), keys never synced may make up at most the same limit, capped at `NEVER_SYNCED_CAP` (95%):
   a payload of wrong keys stops after any pause. (An `upsert` sync creates records: new keys are normal.)
3. **What the sync compares.** When the mapping's compared fields differ from those of its last write (a
   field added), every record's hash changed and the run is expected to rewrite them all: the limit is lifted.
   A new champion (it rescores every deal) lifts it in the same way (orchestration/reverse_etl/assets.py).

A stopped sync says how to look (`momentum run --dry-run`) and how to release it (`momentum run --force-sync
<sync> --reason "..."`); a forced run logs the reason and who forced it in reverse_etl.sync_log.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import psycopg

from reverse_etl.diff import DiffStats
from reverse_etl.mapping import Mapping
from reverse_etl.result import PARTIAL, SUCCEEDED

# Twenty points above the previous morning's share: day-to-day variation of an ordinary morning on the demo
# CRM stays well inside it, while a broken payload moves (nearly) every record at once.
EXPECTED_MOVE_MARGIN = 0.2
# Ten points per day without a write: a weekend's extra two days allow 20 points, which covers what two more
# ordinary mornings move on the demo CRM; after a week away nearly every record may legitimately change.
PAUSE_ALLOWANCE_PER_DAY = 0.1
# Never 100% for keys never synced: a payload of wrong keys still stops, after any pause.
NEVER_SYNCED_CAP = 0.95
# Healthy movement spreads over many values (probabilities to 2 decimals, per-deal reasons); a broken payload
# sends most changed records to one value.
SAME_CHANGE_SHARE_MAX = 0.5
WROTE = (SUCCEEDED, PARTIAL)


@dataclass(frozen=True)
class Override:
    """A user's release of the guard for one run, logged in reverse_etl.sync_log."""

    reason: str
    by: str | None = None


@dataclass(frozen=True)
class LastWrite:
    """What the sync log says of the sync's writes before this run."""

    share: float | None = None
    """changed / received of the last run that wrote, the sync's first run excepted (every record was new)."""
    days_ago: int | None = None
    """Days since the last run that wrote (None: it never wrote)."""
    compared_fields: str | None = None
    """The compared fields of that run ('' when it was logged before they were)."""


@dataclass(frozen=True)
class Limit:
    share: float
    why: str = ""
    """Why it differs from the mapping's max_change_share ('' when it does not)."""


def last_write(conn: psycopg.Connection, sync_name: str, as_of: date | None = None) -> LastWrite:
    row = conn.execute(
        "select started_at, as_of_date, coalesce(compared_fields, ''), changed, received,"
        " exists (select 1 from reverse_etl.sync_log as e where e.sync_name = l.sync_name"
        " and e.status = any(%(wrote)s) and e.started_at < l.started_at)"
        " from reverse_etl.sync_log as l where sync_name = %(name)s and status = any(%(wrote)s)"
        " order by started_at desc limit 1",
        {"name": sync_name, "wrote": list(WROTE)},
    ).fetchone()
    if row is None:
        return LastWrite()
    started_at, last_as_of, compared, changed, received, had_earlier = row
    if as_of is not None and last_as_of is not None:
        days = (as_of - last_as_of).days
    else:
        days = conn.execute("select extract(day from now() - %s)::int", (started_at,)).fetchone()[0]
    share = changed / received if had_earlier and received else None
    return LastWrite(share, max(days, 0), compared)


def change_share_limit(mapping: Mapping, last: LastWrite, stats: DiffStats | None = None) -> Limit:
    base = mapping.max_change_share
    ordinary = base if last.share is None else min(1.0, max(base, last.share + EXPECTED_MOVE_MARGIN))
    why = f"scaled from {base:.0%} by the last run" if ordinary != base else ""
    if last.days_ago is not None and last.compared_fields != compared_fields(mapping):
        old = last.compared_fields or "not logged"
        return Limit(1.0, f"lifted: the compared fields changed since the last write (were {old})")
    extra_days = (last.days_ago or 0) - 1
    if extra_days <= 0 or ordinary >= 1.0:
        return Limit(ordinary, why)
    if stats is not None and _looks_collapsed(stats):
        return Limit(ordinary, why + ("; " if why else "") + "no pause allowance: most changes are identical")
    paused = min(1.0, ordinary + PAUSE_ALLOWANCE_PER_DAY * extra_days)
    return Limit(paused, f"raised from {ordinary:.0%}: {last.days_ago} days since the last write")


def _looks_collapsed(stats: DiffStats) -> bool:
    return (
        stats.changed_existing > 0
        and stats.largest_same_change / stats.changed_existing > SAME_CHANGE_SHARE_MAX
    )


def guard_rail(mapping: Mapping, stats: DiffStats, limit: Limit | float, force: bool) -> str | None:
    """Why the run must stop before writing, or None. A first sync (no state) is exempt."""
    if isinstance(limit, float | int):
        limit = Limit(float(limit))
    if force or stats.synced_total == 0:
        return None
    scaled = f", {limit.why}" if limit.why else ""
    if stats.change_share > limit.share:
        return (
            f"{stats.changed_existing} of {stats.synced_in_payload} synced records would change "
            f"({stats.change_share:.0%}, limit {limit.share:.0%}{scaled}); {release_hint(mapping.name)}"
        )
    never_synced_limit = min(limit.share, NEVER_SYNCED_CAP)
    if mapping.operation == "update" and stats.received and stats.new / stats.received > never_synced_limit:
        return (
            f"{stats.new} of {stats.received} payload records were never synced "
            f"({stats.new / stats.received:.0%}, limit {never_synced_limit:.0%}{scaled}: wrong keys?); "
            f"{release_hint(mapping.name)}"
        )
    if mapping.retire_missing and stats.received == 0:
        return (
            f"the payload is empty; it would retire all {stats.synced_total} synced records; "
            f"{release_hint(mapping.name)}"
        )
    return None


def release_hint(sync_name: str) -> str:
    """The commands a user runs next: the same words in the sync log, the Dagster log and the run summary."""
    return (
        "check upstream; see what would change with `momentum run --dry-run`, then release it with "
        f'`momentum run --force-sync {sync_name} --reason "..."`'
    )


def compared_fields(mapping: Mapping) -> str:
    """The fields whose hash decides a change, as logged per run (a change of them changes every hash)."""
    return ",".join(mapping.compared_fields)
