from datetime import date, timedelta
from pathlib import Path

import psycopg
import pytest

from expectations.runner import run_validation
from expectations.suites import load_registry
from orchestration.expectations import data_as_of

SCHEMA_SQL = (Path(__file__).parents[2] / "simulator" / "schema.sql").read_text()
RAW_OPPORTUNITY = next(v for v in load_registry() if v.name == "raw_opportunity")


@pytest.fixture
def raw_opportunities(warehouse_url):
    # raw_crm tables have the CRM's columns (plus _extracted_at, not needed here).
    with psycopg.connect(warehouse_url, autocommit=True) as conn:
        conn.execute(
            SCHEMA_SQL.replace("crm.", "raw_crm.").replace("schema if not exists crm", "schema raw_crm")
        )
        conn.execute(
            "insert into raw_crm.opportunity_stage values ('Prospecting', 1, false, false, 10, 'Pipeline', now()), "
            "('Closed Won', 2, true, true, 100, 'Closed', now())"
        )
        conn.execute(
            "insert into raw_crm.opportunity (opportunity_id, name, stage_name, amount, close_date, created_date, "
            "system_modstamp) select 'opp' || g, 'Deal', 'Prospecting', 500, '2026-12-31', now(), now() "
            "from generate_series(1, 20) g"
        )
    return warehouse_url


def _execute(url, statement):
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(statement)


def test_clean_opportunities_pass_and_the_result_is_kept(raw_opportunities):
    outcome = run_validation(raw_opportunities, RAW_OPPORTUNITY, dagster_run_id="run-1")

    assert outcome.success, outcome.failures
    with psycopg.connect(raw_opportunities) as conn:
        kept = conn.execute(
            "select count(*), bool_and(success) from expectations.validation_results where dagster_run_id = 'run-1'"
        ).fetchone()
    assert kept == (outcome.evaluated, True)


@pytest.mark.parametrize(
    ("defect", "named_in_failure"),
    [
        ("update raw_crm.opportunity set amount = -10 where opportunity_id = 'opp1'", "on amount"),
        (
            "update raw_crm.opportunity set stage_name = 'Sleeping' where opportunity_id = 'opp1'",
            "on stage_name",
        ),
        (
            "update raw_crm.opportunity set close_date = '2999-01-01' where opportunity_id = 'opp1'",
            "on close_date",
        ),
        (
            "alter table raw_crm.opportunity drop constraint opportunity_pkey; "
            "update raw_crm.opportunity set opportunity_id = 'opp2' where opportunity_id = 'opp1'",
            "unique",
        ),
        ("delete from raw_crm.opportunity", "row_count"),
    ],
)
def test_a_defect_fails_the_blocking_suite_and_names_the_column(raw_opportunities, defect, named_in_failure):
    _execute(raw_opportunities, defect)

    outcome = run_validation(raw_opportunities, RAW_OPPORTUNITY)

    assert not outcome.success
    assert RAW_OPPORTUNITY.blocking
    assert named_in_failure in outcome.summary()


def test_stage_values_come_from_the_stage_metadata_not_from_code(raw_opportunities):
    # GIVEN a CRM that renamed its first stage
    _execute(
        raw_opportunities,
        "update raw_crm.opportunity_stage set stage_name = 'Discovery' where sort_order = 1",
    )
    _execute(raw_opportunities, "update raw_crm.opportunity set stage_name = 'Discovery'")

    assert run_validation(raw_opportunities, RAW_OPPORTUNITY).success


RAW_OPPORTUNITY_WARNINGS = next(v for v in load_registry() if v.name == "raw_opportunity__warnings")


def test_date_bounds_count_from_the_load_date_not_the_machines_clock(raw_opportunities):
    # GIVEN a CRM whose today runs ten days ahead of the machine's (the demo CRM after `sim advance`):
    # deals created on its today
    _execute(raw_opportunities, "update raw_crm.opportunity set created_date = current_date + 10")
    load_date = date.today() + timedelta(days=10)

    # THEN the created_date bound (at most a day after the load date) holds on the day they were loaded
    outcome = run_validation(raw_opportunities, RAW_OPPORTUNITY_WARNINGS, load_date=load_date)
    assert "created_date" not in outcome.summary(), outcome.failures
    # ... and a deal dated after the load date still fails it
    stale_load = run_validation(raw_opportunities, RAW_OPPORTUNITY_WARNINGS, load_date=date.today())
    assert "on created_date" in stale_load.summary()


def test_freshness_counts_from_the_load_date(raw_opportunities):
    # GIVEN a run for a day three weeks ago (a backfill; the tiny demo in tests), with that day's data
    _execute(
        raw_opportunities,
        "update raw_crm.opportunity set system_modstamp = now() - interval '21 days',"
        " created_date = now() - interval '22 days'",
    )
    three_weeks_ago = date.today() - timedelta(days=21)
    # THEN its data is fresh for its day
    outcome = run_validation(raw_opportunities, RAW_OPPORTUNITY_WARNINGS, load_date=three_weeks_ago)
    assert "system_modstamp" not in outcome.summary(), outcome.failures
    # ... and the same rows loaded today are three weeks stale
    assert (
        "momentum_fresh on system_modstamp"
        in run_validation(raw_opportunities, RAW_OPPORTUNITY_WARNINGS).summary()
    )


def test_outside_a_run_freshness_counts_from_the_day_the_warehouse_was_built_for(raw_opportunities):
    # Regression: without a run's as-of date, freshness compared the data with the machine's clock, so a
    # demo CRM (or an export) whose day is not the machine's was stale in `expectations.validate_all`.
    _execute(
        raw_opportunities,
        "update raw_crm.opportunity set system_modstamp = now() - interval '21 days',"
        " created_date = now() - interval '22 days'",
    )
    _execute(
        raw_opportunities,
        "create schema marts; create table marts.fct_deal_snapshots (as_of_date date);"
        " insert into marts.fct_deal_snapshots values (current_date - 27), (current_date - 20)",
    )

    outcome = run_validation(raw_opportunities, RAW_OPPORTUNITY_WARNINGS)

    assert "system_modstamp" not in outcome.summary(), outcome.failures


def test_in_a_run_an_export_is_judged_by_the_crms_today_not_the_run_date(raw_opportunities, monkeypatch):
    # Regression: a run for today over an export taken 200 days ago found every object stale.
    _execute(
        raw_opportunities,
        "update raw_crm.opportunity set system_modstamp = now() - interval '200 days',"
        " created_date = now() - interval '400 days'",
    )
    exported_on = date.today() - timedelta(days=199)

    class ExportSource:  # a CrmSource whose today is the export's day
        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def today(self):
            return exported_on

    monkeypatch.setattr(data_as_of, "crm_source", lambda settings, url: ExportSource())
    crm_today = data_as_of.crm_today_of_run("run-export", None, raw_opportunities)

    judged = run_validation(
        raw_opportunities,
        RAW_OPPORTUNITY_WARNINGS,
        load_date=data_as_of.data_as_of_date(date.today(), crm_today),
    )
    by_wall_clock = run_validation(raw_opportunities, RAW_OPPORTUNITY_WARNINGS, load_date=date.today())

    assert crm_today == exported_on
    assert "system_modstamp" not in judged.summary(), judged.failures
    assert "momentum_fresh on system_modstamp" in by_wall_clock.summary()
    # A live CRM's today is the run's: nothing changes; a CRM that cannot tell leaves the run's date.
    assert data_as_of.data_as_of_date(date(2026, 12, 6), date(2026, 12, 6)) == date(2026, 12, 6)
    assert data_as_of.data_as_of_date(date(2026, 12, 6), None) == date(2026, 12, 6)
