"""Building the tiny demo CRM: tables, consistency between history and records, determinism."""

from __future__ import annotations

import dataclasses
import datetime as dt

import psycopg
import pytest

from simulator.build import PRESETS, build_demo_crm, demo_crm_exists, demo_today
from simulator.config import StageConfig

TODAY = dt.date(2026, 11, 23)
CRM_TABLES = (
    "user", "account", "contact", "opportunity_stage", "opportunity", "opportunity_history",
    "opportunity_contact_role", "task", "event", "forecast_submission",
)  # fmt: skip


def rows(url: str, sql: str, params=None) -> list[tuple]:
    with psycopg.connect(url) as conn:
        return conn.execute(sql, params).fetchall()


def table_fingerprints(url: str) -> dict[str, str]:
    tables = [f'crm."{t}"' for t in CRM_TABLES] + ["sim_truth.deal_daily", "sim_truth.clock"]
    return {
        t: rows(url, f"select md5(string_agg(x::text, '|' order by x::text)) from {t} as x")[0][0]
        for t in tables
    }


def test_tiny_build_populates_every_crm_and_truth_table(warehouse_url):
    summary = build_demo_crm(warehouse_url, "tiny", seed=7, today=TODAY)

    assert all(summary.row_counts[table] > 0 for table in (*CRM_TABLES, "deal_daily", "clock"))
    assert 50 <= summary.row_counts["opportunity"] <= 130
    assert rows(warehouse_url, 'select count(*) from crm."user" where role = %s', ("Account Executive",)) == [
        (4,)
    ]


def test_demo_today_reads_the_clock_and_exists_flips_after_a_build(warehouse_url):
    assert not demo_crm_exists(warehouse_url)
    with pytest.raises(LookupError):
        demo_today(warehouse_url)

    build_demo_crm(warehouse_url, "tiny", seed=3, today=dt.date(2026, 2, 11))

    assert demo_crm_exists(warehouse_url)
    assert demo_today(warehouse_url) == dt.date(2026, 2, 11)


def test_same_seed_and_today_rebuild_identical_tables_and_another_seed_does_not(warehouse_url):
    # GIVEN a tiny CRM built with seed 7
    build_demo_crm(warehouse_url, "tiny", seed=7, today=TODAY)
    first = table_fingerprints(warehouse_url)
    # WHEN it is rebuilt (drop and recreate) with the same seed and today, then with seed 8
    build_demo_crm(warehouse_url, "tiny", seed=7, today=TODAY)
    again = table_fingerprints(warehouse_url)
    build_demo_crm(warehouse_url, "tiny", seed=8, today=TODAY)
    other = table_fingerprints(warehouse_url)
    # THEN the same seed gives byte-identical tables and another seed another CRM
    assert again == first
    assert other['crm."opportunity"'] != first['crm."opportunity"']


def test_every_opportunity_equals_its_last_history_row_and_starts_with_its_first(warehouse_url):
    build_demo_crm(warehouse_url, "tiny", seed=7, today=TODAY)

    mismatches = rows(warehouse_url, """
        with ranked as (
            select h.*, row_number() over (partition by opportunity_id order by created_date desc) as from_last,
                   row_number() over (partition by opportunity_id order by created_date) as from_first
            from crm.opportunity_history as h
        )
        select o.opportunity_id
        from crm.opportunity as o
        join ranked as last on last.opportunity_id = o.opportunity_id and last.from_last = 1
        join ranked as first on first.opportunity_id = o.opportunity_id and first.from_first = 1
        where (o.stage_name, o.amount, o.close_date, o.probability, o.forecast_category)
              is distinct from (last.stage_name, last.amount, last.close_date, last.probability,
                                last.forecast_category)
           or first.created_date <> o.created_date
           or o.system_modstamp < last.created_date
    """)  # fmt: skip
    assert mismatches == []
    assert rows(warehouse_url, "select count(distinct opportunity_id) from crm.opportunity_history") == rows(
        warehouse_url, "select count(*) from crm.opportunity"
    )


def test_closed_flags_dates_and_loss_reasons_follow_the_stage_table(warehouse_url):
    build_demo_crm(warehouse_url, "tiny", seed=7, today=TODAY)

    wrong = rows(warehouse_url, """
        select o.opportunity_id
        from crm.opportunity as o join crm.opportunity_stage as s using (stage_name)
        where o.is_closed <> s.is_closed or o.is_won <> s.is_won
           or (o.closed_date is not null) <> o.is_closed
           or (o.is_closed and o.closed_date <> o.close_date)
           or (o.loss_reason is not null) <> (o.is_closed and not o.is_won)
           or o.probability <> s.default_probability
    """)  # fmt: skip
    assert wrong == []


def test_no_record_is_stamped_after_the_start_of_today_or_modified_before_it_was_created(warehouse_url):
    build_demo_crm(warehouse_url, "tiny", seed=7, today=TODAY)

    for table in ("user", "account", "contact", "opportunity", "opportunity_history", "opportunity_contact_role",
                  "task", "event", "forecast_submission"):  # fmt: skip
        created = "submitted_date" if table == "forecast_submission" else "created_date"
        bad = rows(warehouse_url, f"""
            select count(*) from crm."{table}"
            where system_modstamp >= (%(today)s::timestamp at time zone 'UTC')
               or system_modstamp < {created}
        """, {"today": TODAY})  # fmt: skip
        assert bad == [(0,)], table
    activities_after_cutoff = rows(warehouse_url, """
        select (select count(*) from crm.task where completed_at >= %(cutoff)s or activity_date >= %(today)s)
             + (select count(*) from crm.event where end_at >= %(cutoff)s or end_at < start_at)
    """, {"today": TODAY, "cutoff": dt.datetime(2026, 11, 23, tzinfo=dt.UTC)})  # fmt: skip
    assert activities_after_cutoff == [(0,)]


def test_stage_names_come_only_from_the_config(warehouse_url):
    # GIVEN a config whose stages are renamed and which has six open stages instead of five
    stages = (
        StageConfig("Lead", 1, False, False, 5, "Pipeline"),
        StageConfig("Qualify", 2, False, False, 15, "Pipeline"),
        StageConfig("Solution", 3, False, False, 30, "Pipeline"),
        StageConfig("Business Case", 4, False, False, 45, "Best Case"),
        StageConfig("Quote", 5, False, False, 65, "Best Case"),
        StageConfig("Contracting", 6, False, False, 85, "Commit"),
        StageConfig("Won", 7, True, True, 100, "Closed"),
        StageConfig("Lost", 8, True, False, 0, "Omitted"),
    )
    config = dataclasses.replace(PRESETS["tiny"], stages=stages)
    # WHEN the CRM is built from it
    build_demo_crm(warehouse_url, config, seed=7, today=TODAY)
    # THEN history only uses those names, and deals still reach both closed stages
    used = {
        name for (name,) in rows(warehouse_url, "select distinct stage_name from crm.opportunity_history")
    }
    assert used <= {s.name for s in stages}
    assert {"Won", "Lost"} <= used


def test_ids_carry_the_salesforce_key_prefix_of_their_object(warehouse_url):
    build_demo_crm(warehouse_url, "tiny", seed=7, today=TODAY)

    prefixes = {
        ("opportunity", "opportunity_id"): "006", ("account", "account_id"): "001",
        ("contact", "contact_id"): "003", ("user", "user_id"): "005", ("task", "task_id"): "00T",
        ("event", "event_id"): "00U", ("opportunity_contact_role", "opportunity_contact_role_id"): "00k",
        ("opportunity_history", "history_id"): "008", ("forecast_submission", "forecast_submission_id"): "0FS",
    }  # fmt: skip
    for (table, column), prefix in prefixes.items():
        off = rows(
            warehouse_url,
            f'select count(*) from crm."{table}" where {column} !~ %s',
            (f"^{prefix}Dm[0-9]{{10}}$",),
        )
        assert off == [(0,)], table


def test_truth_covers_each_open_deal_at_the_start_of_every_monday_and_of_today(warehouse_url):
    build_demo_crm(warehouse_url, "tiny", seed=7, today=TODAY)

    outside = rows(warehouse_url, """
        select count(*)
        from sim_truth.deal_daily as d join crm.opportunity as o using (opportunity_id)
        where (extract(isodow from d.as_of_date) <> 1 and d.as_of_date <> %(today)s)
           or o.created_date >= (d.as_of_date::timestamp at time zone 'UTC')
           or o.closed_date < d.as_of_date
           or d.true_p_win not between 0 and 1
    """, {"today": TODAY})  # fmt: skip
    open_today = rows(warehouse_url, "select count(*) from crm.opportunity where not is_closed")
    truth_today = rows(
        warehouse_url, "select count(*) from sim_truth.deal_daily where as_of_date = %s", (TODAY,)
    )
    assert outside == [(0,)]
    assert truth_today == open_today


def test_each_rep_submits_one_forecast_every_monday_for_that_monday_quarter(warehouse_url):
    build_demo_crm(warehouse_url, "tiny", seed=7, today=TODAY)

    per_monday = rows(warehouse_url, """
        select submitted_date, count(*), count(distinct owner_id),
               bool_and(fiscal_quarter = to_char(submitted_date, 'YYYY') || '-Q' || to_char(submitted_date, 'Q')),
               bool_and(best_case_amount >= commit_amount and commit_amount >= 0),
               bool_and(extract(isodow from submitted_date) = 1)
        from crm.forecast_submission group by submitted_date
    """)  # fmt: skip
    assert len(per_monday) >= 15
    assert all(n == 4 and reps == 4 and quarter_ok and amounts_ok and monday for _, n, reps, quarter_ok,
               amounts_ok, monday in per_monday)  # fmt: skip
    assert rows(warehouse_url, "select sum(commit_amount) > 0 from crm.forecast_submission") == [(True,)]
