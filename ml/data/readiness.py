"""What a CRM lacks for training, said in its own terms when there are too few labelled snapshots.

Training counts deals with a labelled snapshot (marts.fct_deal_snapshots), and a snapshot needs the deal's
stage as it stood each week, from its stage history. A CRM import with thousands of won and lost deals but
no opportunity history has no past snapshots at all, so "0 won, 0 lost" is true of the snapshots and wrong
for the user: what is missing is the stage history. This module counts closed deals, how many of them have
stage history, and activities, from the warehouse models that already hold them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import psycopg

from warehouse.frames import relation_exists

CLOSED_DEALS_RELATION = "marts.fct_win_loss"
HISTORY_RELATION = "intermediate.int_opportunity_history_versioned"
ACTIVITIES_RELATION = "intermediate.int_activities_unioned"
# Below this share of closed deals with stage history, the history is what is missing (a CRM that tracks
# history from some date on still trains on the deals closed since then).
HISTORY_COVERAGE_FLOOR = 0.5


@dataclass(frozen=True)
class CrmInventory:
    won: int
    lost: int
    closed_with_history: int
    activities: int | None
    """None when the warehouse has no activities model yet."""

    @property
    def closed(self) -> int:
        return self.won + self.lost


def crm_inventory(warehouse_url: str, *, before: date) -> CrmInventory | None:
    """Closed deals (closed before `before`), those of them with stage history, and activities; None when
    the warehouse models are not built yet."""
    if not (
        relation_exists(warehouse_url, CLOSED_DEALS_RELATION)
        and relation_exists(warehouse_url, HISTORY_RELATION)
    ):
        return None
    with psycopg.connect(warehouse_url) as conn:
        won, lost, with_history = conn.execute(
            f"select count(*) filter (where is_won), count(*) filter (where not is_won),"
            f" count(*) filter (where exists (select 1 from {HISTORY_RELATION} history"
            f"  where history.opportunity_id = closed.opportunity_id and history.is_from_history))"
            f" from {CLOSED_DEALS_RELATION} closed where closed.closed_date < %s",
            (before,),
        ).fetchone()
        activities = (
            conn.execute(f"select count(*) from {ACTIVITIES_RELATION}").fetchone()[0]
            if relation_exists(warehouse_url, ACTIVITIES_RELATION)
            else None
        )
    return CrmInventory(won, lost, with_history, activities)


def what_is_missing(inventory: CrmInventory | None) -> list[str]:
    """One clause per thing the CRM lacks for training, beyond the snapshot counts the caller already gave."""
    if inventory is None:
        return []
    missing = []
    if inventory.closed and inventory.closed_with_history < HISTORY_COVERAGE_FLOOR * inventory.closed:
        where = (
            "opportunity_history is empty"
            if inventory.closed_with_history == 0
            else f"opportunity_history covers {inventory.closed_with_history} of them"
        )
        missing.append(
            f"stage history is missing: the CRM has {inventory.won} won and {inventory.lost} lost deals, but {where}"
            " (training needs each deal's stage as it stood week by week; import OpportunityHistory or the"
            ' deal stage history; a HubSpot export carries it only in its "Date entered" stage properties)'
        )
    if inventory.activities == 0:
        missing.append("no activities (tasks, events) either: activity features will all be zero")
    return missing
