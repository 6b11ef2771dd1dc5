"""Advice a rep completed or dismissed is not chosen again for the same deal and play, unless the deal's
situation changed; each rep still gets up to 3 fresh TMVAs (actions/acted_on.py)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pandas as pd
import psycopg

from actions.acted_on import read_closed_tasks, tmva_id, without_advice_acted_on
from actions.ranking import is_holdout
from actions.tmva import build_tmvas
from warehouse.frames import read_frame

AS_OF = date(2026, 11, 24)
YESTERDAY_AFTERNOON = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)
REP = "005000000000000001"
# Five deals of one rep, none in the TMVA holdout, the biggest first.
DEALS = [f"006{n:015d}" for n in range(1, 40) if not is_holdout(f"006{n:015d}", 0.10)][:5]
BEST_PLAY = "reach_economic_buyer"  # the playbook's largest prior uplift, triggered on every deal below


def _deals(days_in_stage: int = 30) -> pd.DataFrame:
    count = len(DEALS)
    return pd.DataFrame(
        {
            "opportunity_id": DEALS,
            "owner_id": [REP] * count,
            "amount": [100_000.0 - 10_000 * i for i in range(count)],
            "close_date": [date(2027, 3, 15)] * count,
            "days_in_stage": [days_in_stage] * count,
            "days_since_last_activity": [20] * count,
            "activities_7d": [0] * count,
            "activities_30d": [0] * count,
            "is_close_date_past": [False] * count,
            "days_to_close": [111] * count,
            "has_economic_buyer": [False] * count,
            "stage_sort_order": [4] * count,
            "contact_role_count": [1] * count,
            "contacts_engaged_90d": [1] * count,
        }
    )


def _candidates(plays=(BEST_PLAY,)) -> pd.DataFrame:
    return pd.DataFrame(
        [(d, REP, p, 1000.0) for d in DEALS for p in plays],
        columns=["opportunity_id", "owner_id", "play_id", "expected_impact_amount"],
    )


def _warehouse_with(url: str, deals: pd.DataFrame, tasks: list[tuple]) -> None:
    """marts.ml_open_deals__features from `deals`, staging.stg_crm__tasks from (external id, status,
    completed_at, system_modstamp) rows, and marts.dim_reps with the rep as an active user: the relations
    the TMVA engine reads."""
    with psycopg.connect(url) as conn:
        conn.execute(
            "create schema marts; create table marts.ml_open_deals__features (opportunity_id text, owner_id text,"
            " amount float, close_date date, days_in_stage int, days_since_last_activity int, activities_7d int,"
            " activities_30d int, is_close_date_past boolean, days_to_close int, has_economic_buyer boolean,"
            " stage_sort_order int, contact_role_count int, contacts_engaged_90d int)"
        )
        with conn.cursor().copy("copy marts.ml_open_deals__features from stdin") as copy:
            for row in deals.itertuples(index=False):
                copy.write_row(row)
        conn.execute(
            "create table marts.dim_reps (user_id text, rep_name text, timezone text, manager_id text,"
            " is_active boolean)"
        )
        conn.execute("insert into marts.dim_reps values (%s, 'Ada Rep', 'UTC', null, true)", (REP,))
        conn.execute(
            "create schema staging; create table staging.stg_crm__tasks (task_id text, ai_external_id text,"
            " task_status text, completed_at timestamptz, system_modstamp timestamptz)"
        )
        for n, task in enumerate(tasks):
            conn.execute("insert into staging.stg_crm__tasks values (%s, %s, %s, %s, %s)", (f"00T{n}", *task))


def _todays_tmvas(url: str) -> pd.DataFrame:
    return read_frame(url, "select * from actions.tmva_daily where as_of_date = %s order by rank", (AS_OF,))


def test_a_completed_or_dismissed_tmva_is_not_chosen_again_and_the_rep_still_gets_three(warehouse_url):
    # GIVEN yesterday's top 2 TMVAs of a rep: one completed, one dismissed
    completed = tmva_id(REP, DEALS[0], BEST_PLAY)
    dismissed = tmva_id(REP, DEALS[1], BEST_PLAY)
    _warehouse_with(
        warehouse_url,
        _deals(),
        [
            (completed, "Completed", YESTERDAY_AFTERNOON, YESTERDAY_AFTERNOON),
            (dismissed, "Dismissed", None, YESTERDAY_AFTERNOON),
        ],
    )
    # WHEN today's TMVAs are built (playbook priors: the economic-buyer play is every deal's best)
    build_tmvas(warehouse_url, as_of_date=AS_OF, predict=None, model_version="playbook-priors")
    # THEN the rep gets 3 TMVAs, none of them the advice they already closed
    today = _todays_tmvas(warehouse_url)
    assert len(today) == 3
    assert not {completed, dismissed} & set(today["tmva_id"])
    chosen = set(zip(today["opportunity_id"], today["play_id"], strict=True))
    assert not {(DEALS[0], BEST_PLAY), (DEALS[1], BEST_PLAY)} & chosen
    # AND the biggest deals still get their next best play rather than being dropped
    assert today.iloc[0]["opportunity_id"] == DEALS[0] and today.iloc[0]["play_id"] != BEST_PLAY


def test_tasks_closed_on_or_after_the_as_of_date_do_not_count(warehouse_url):
    # A backfill for yesterday sees the task as it stood then: still open.
    completed_today = datetime.combine(AS_OF, datetime.min.time(), tzinfo=UTC) + timedelta(hours=9)
    _warehouse_with(
        warehouse_url,
        _deals(),
        [(tmva_id(REP, DEALS[0], BEST_PLAY), "Completed", completed_today, completed_today)],
    )

    assert read_closed_tasks(warehouse_url, AS_OF) == {}
    assert list(read_closed_tasks(warehouse_url, AS_OF + timedelta(days=1))) == [
        tmva_id(REP, DEALS[0], BEST_PLAY)
    ]


def test_closed_advice_comes_back_as_a_new_task_once_the_deal_moved_stage():
    closed = {tmva_id(REP, DEALS[0], BEST_PLAY): YESTERDAY_AFTERNOON}
    # The deal entered its current stage today, after the task was completed yesterday.
    fresh = without_advice_acted_on(
        _candidates(), _deals(days_in_stage=0), closed, AS_OF, repeat_after_days=14
    )

    assert len(fresh) == len(DEALS)
    comeback = fresh.set_index("opportunity_id").loc[DEALS[0], "tmva_id"]
    assert comeback == tmva_id(REP, DEALS[0], BEST_PLAY, generation=1) and comeback not in closed


def test_closed_advice_comes_back_after_repeat_after_days_and_not_before():
    closed = {tmva_id(REP, DEALS[0], BEST_PLAY): YESTERDAY_AFTERNOON}

    def kept(as_of: date) -> set[str]:
        return set(without_advice_acted_on(_candidates(), _deals(), closed, as_of, 14)["opportunity_id"])

    assert DEALS[0] not in kept(YESTERDAY_AFTERNOON.date() + timedelta(days=13))
    assert DEALS[0] in kept(YESTERDAY_AFTERNOON.date() + timedelta(days=14))


def test_a_second_closed_generation_is_recognised_too():
    # The advice came back once (generation 1) and the rep closed that task as well.
    first, second = tmva_id(REP, DEALS[0], BEST_PLAY), tmva_id(REP, DEALS[0], BEST_PLAY, 1)
    closed = {first: YESTERDAY_AFTERNOON - timedelta(days=30), second: YESTERDAY_AFTERNOON}

    fresh = without_advice_acted_on(_candidates(), _deals(), closed, AS_OF, repeat_after_days=14)

    assert DEALS[0] not in set(fresh["opportunity_id"])
    assert len(fresh) == len(DEALS) - 1
