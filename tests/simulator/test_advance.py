"""Advancing the demo CRM day by day: determinism, Momentum tasks' true effects, CRM invariants."""

from __future__ import annotations

import dataclasses
import datetime as dt

import psycopg
import pytest

from simulator.advance import advance_demo_crm
from simulator.build import PRESETS, build_demo_crm, demo_today
from tests.databases import scratch_database

FRIDAY = dt.date(2026, 11, 20)  # advancing 4 days crosses a weekend and a Monday (forecast calls)
TABLES = (
    'crm."user"', "crm.account", "crm.contact", "crm.opportunity_stage", "crm.opportunity",
    "crm.opportunity_history", "crm.opportunity_contact_role", "crm.task", "crm.event",
    "crm.forecast_submission", "sim_truth.deal_daily", "sim_truth.clock", "sim_truth.deal_state",
    "sim_truth.id_counter", "sim_truth.sim_state", "sim_truth.action_effects",
)  # fmt: skip


@pytest.fixture
def second_database(server_url: str):
    with scratch_database(server_url, "test") as url:
        yield url


def rows(url: str, sql: str, params=None) -> list[tuple]:
    with psycopg.connect(url) as conn:
        return conn.execute(sql, params).fetchall()


def fingerprints(url: str) -> dict[str, str]:
    sql = "select count(*), md5(coalesce(string_agg(x::text, '|' order by x::text), '')) from {} as x"
    return {table: rows(url, sql.format(table))[0] for table in TABLES}


def add_momentum_tasks(url: str, action_type: str, share: float = 1.0) -> int:
    """What the reverse ETL writes: one open Momentum task per open deal (on `share` of them)."""
    with psycopg.connect(url) as conn:
        return conn.execute(
            "insert into crm.task (task_id, what_id, owner_id, subject, type, status, created_date,"
            " system_modstamp, ai_external_id, ai_action_type)"
            " select 'tmva-' || opportunity_id, opportunity_id, owner_id, 'Book a meeting', 'Other', 'Open',"
            " %(at)s, %(at)s, 'tmva-' || opportunity_id, %(type)s from crm.opportunity"
            " where not is_closed and abs(hashtext(opportunity_id)) %% 100 < %(pct)s",
            {"at": dt.datetime(2026, 11, 20, 6, tzinfo=dt.UTC), "type": action_type, "pct": share * 100},
        ).rowcount


def test_advancing_four_days_equals_advancing_one_then_three(warehouse_url, second_database):
    # GIVEN two identical CRMs with open Momentum tasks on half the deals
    for url in (warehouse_url, second_database):
        build_demo_crm(url, "tiny", seed=11, today=FRIDAY)
        add_momentum_tasks(url, "call", share=0.5)

    # WHEN one moves 4 days at once and the other 1 day then 3
    advance_demo_crm(warehouse_url, 4)
    advance_demo_crm(second_database, 1)
    advance_demo_crm(second_database, 3)

    # THEN every CRM and truth table is identical, and the CRM really moved
    assert fingerprints(warehouse_url) == fingerprints(second_database)
    assert demo_today(warehouse_url) == FRIDAY + dt.timedelta(days=4)
    assert rows(warehouse_url, "select count(*) from sim_truth.action_effects")[0][0] > 0
    mondays = rows(
        warehouse_url,
        "select count(*) from crm.forecast_submission where submitted_date = %s",
        (FRIDAY + dt.timedelta(days=3),),
    )
    assert mondays == [(4,)]  # one call per AE


def test_a_completed_momentum_task_applies_its_true_effect_and_only_to_its_deal(warehouse_url):
    # GIVEN reps who complete every Momentum task, and a meeting task on about half the open deals
    config = dataclasses.replace(PRESETS["tiny"], tmva_completion_rate=1.0)
    build_demo_crm(warehouse_url, config, seed=5, today=FRIDAY)
    n_tasks = add_momentum_tasks(warehouse_url, "meeting", share=0.5)

    # WHEN one business day passes
    advance_demo_crm(warehouse_url, 1)

    # THEN every task is completed during that day, and each has its effect recorded
    completed = rows(
        warehouse_url,
        "select status, completed_at from crm.task where ai_external_id is not null",
    )
    assert n_tasks > 5 and {status for status, _ in completed} == {"Completed"}
    day_start = dt.datetime(2026, 11, 20, tzinfo=dt.UTC)
    assert all(day_start <= at < day_start + dt.timedelta(days=1) for _, at in completed)
    effects = rows(
        warehouse_url,
        "select e.opportunity_id, e.state_after, e.true_p_win_before, e.true_p_win_after, t.what_id"
        " from sim_truth.action_effects as e join crm.task as t on t.task_id = e.task_id",
    )
    assert len(effects) == n_tasks
    assert all(opportunity == what for opportunity, *_, what in effects)
    assert all("warmth=0" in after for _, after, *_ in effects)  # a meeting always warms the deal
    # A meeting never hurts a deal, and on average it helps.
    assert all(p_after >= p_before - 1e-9 for _, _, p_before, p_after, _ in effects)
    assert sum(a - b for _, _, b, a, _ in effects) / len(effects) > 0.01


def test_advanced_crm_keeps_the_record_and_truth_invariants(warehouse_url):
    build_demo_crm(warehouse_url, "tiny", seed=2, today=FRIDAY)

    summary = advance_demo_crm(warehouse_url, 21)

    today = FRIDAY + dt.timedelta(days=21)
    assert summary.business_days == 15 and summary.to_date == today
    assert summary.deals_created > 0 and summary.deals_won + summary.deals_lost > 0
    # The opportunity row equals its last history row on the tracked fields.
    mismatches = rows(
        warehouse_url,
        """
        select count(*) from crm.opportunity as o
        join lateral (
            select * from crm.opportunity_history as h where h.opportunity_id = o.opportunity_id
            order by created_date desc, history_id desc limit 1
        ) as h on true
        where (o.stage_name, o.amount, o.close_date, o.forecast_category)
            is distinct from (h.stage_name, h.amount, h.close_date, h.forecast_category)
        """,
    )
    assert mismatches == [(0,)]
    # Nothing is stamped at or after the start of the new today.
    cutoff = dt.datetime(today.year, today.month, today.day, tzinfo=dt.UTC)
    for table, column in (("opportunity", "system_modstamp"), ("opportunity_history", "created_date"),
                          ("task", "system_modstamp"), ("event", "system_modstamp"),
                          ("opportunity_contact_role", "created_date")):  # fmt: skip
        assert rows(warehouse_url, f"select count(*) from crm.{table} where {column} >= %s", (cutoff,)) == [
            (0,)
        ]
    # Every open deal has its truth for today, closed deals have left the hidden state.
    assert rows(
        warehouse_url,
        "select count(*) from crm.opportunity as o left join sim_truth.deal_daily as d"
        " on d.opportunity_id = o.opportunity_id and d.as_of_date = %s where not o.is_closed and d is null",
        (today,),
    ) == [(0,)]
    assert rows(
        warehouse_url,
        "select count(*) from crm.opportunity where not is_closed",
    ) == rows(warehouse_url, "select count(*) from sim_truth.deal_state")
    assert rows(
        warehouse_url,
        "select count(*) from crm.opportunity where is_closed and (closed_date is null or closed_date <> close_date)",
    ) == [(0,)]
