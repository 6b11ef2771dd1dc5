"""Advice a rep already acted on is not given again, unless the deal's situation changed.

A TMVA's CRM task is keyed by a stable external id per (rep, deal, play), so tomorrow's same advice updates
today's task. Once the rep completes or dismisses it, the task is theirs (reverse ETL never rewrites it), and
choosing the same (rep, deal, play) again would only fill one of the rep's slots with advice nobody sees. So a
(rep, deal, play) whose task was closed before the as-of date is left out of today's candidates, and the rep
gets the next most valuable action instead, until the situation changed:

- the deal moved to another stage since the task was closed (new stage, new gaps), or
- `repeat_after_days` (playbook.yml) passed since then: a gap that is still open two weeks after a call is
  worth a new call.

The advice then comes back as a new task: its external id carries a generation (the number of closed tasks
before it for the same rep, deal and play), so it never collides with the task the rep closed.

Point in time: only tasks closed before the as-of date (00:00 UTC) count, so a past as-of date sees the tasks
as they stood then.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime, timedelta

import pandas as pd

from warehouse.frames import read_frame, relation_exists

TASKS_RELATION = "staging.stg_crm__tasks"
CLOSED_STATUSES = ("Completed", "Dismissed")


def tmva_id(owner_id: str, opportunity_id: str, play_id: str, generation: int = 0) -> str:
    """Stable across days: the same advice on the same deal stays one CRM task, updated, never duplicated.
    Generation 0 is the first task for a (rep, deal, play); each closed one moves the advice to the next."""
    key = f"{owner_id}|{opportunity_id}|{play_id}" + (f"|{generation}" if generation else "")
    return "tmva-" + hashlib.sha1(key.encode()).hexdigest()[:20]


def read_closed_tasks(warehouse_url: str, as_of_date: date) -> dict[str, datetime]:
    """{external id: when the rep closed it} for Momentum's tasks completed or dismissed before `as_of_date`.
    A dismissed task has no completion time; its last change (system_modstamp) is when it was dismissed."""
    if not relation_exists(warehouse_url, TASKS_RELATION):
        return {}
    start_of_day = datetime.combine(as_of_date, datetime.min.time(), tzinfo=UTC)
    closed = read_frame(
        warehouse_url,
        "select ai_external_id, coalesce(completed_at, system_modstamp) as closed_at"
        f" from {TASKS_RELATION} where ai_external_id is not null and task_status = any(%(statuses)s)"
        " and coalesce(completed_at, system_modstamp) < %(start)s",
        {"statuses": list(CLOSED_STATUSES), "start": start_of_day},
    )
    return dict(zip(closed["ai_external_id"], pd.to_datetime(closed["closed_at"], utc=True), strict=True))


def without_advice_acted_on(
    candidates: pd.DataFrame,
    deals: pd.DataFrame,
    closed_tasks: dict[str, datetime],
    as_of_date: date,
    repeat_after_days: int,
) -> pd.DataFrame:
    """`candidates` (owner_id, opportunity_id, play_id, ...) with a `tmva_id` column, less the (rep, deal,
    play) whose last task a rep closed while the deal's situation has not changed since."""
    stage_entered = _stage_entered(deals, as_of_date)
    ids, keep = [], []
    for owner_id, opportunity_id, play_id in zip(
        candidates["owner_id"], candidates["opportunity_id"], candidates["play_id"], strict=True
    ):
        generation, last_closed = 0, None
        while (candidate_id := tmva_id(owner_id, opportunity_id, play_id, generation)) in closed_tasks:
            last_closed = closed_tasks[candidate_id]
            generation += 1
        ids.append(candidate_id)
        keep.append(
            last_closed is None
            or _situation_changed(
                last_closed.date(), stage_entered.get(opportunity_id), as_of_date, repeat_after_days
            )
        )
    fresh = candidates.assign(tmva_id=ids)
    return fresh[pd.Series(keep, index=fresh.index, dtype=bool)].reset_index(drop=True)


def _situation_changed(
    closed_on: date, stage_entered_on: date | None, as_of: date, repeat_after_days: int
) -> bool:
    moved_stage = stage_entered_on is not None and stage_entered_on > closed_on
    return moved_stage or (as_of - closed_on).days >= repeat_after_days


def _stage_entered(deals: pd.DataFrame, as_of_date: date) -> dict[str, date]:
    """The day each deal entered its current stage, from its point-in-time days_in_stage feature."""
    known = deals.dropna(subset=["days_in_stage"])
    return {
        deal_id: as_of_date - timedelta(days=int(days))
        for deal_id, days in zip(known["opportunity_id"], known["days_in_stage"], strict=True)
    }
