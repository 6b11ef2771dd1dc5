"""`momentum crm check` says what each feature needs and exits 1 when something required is missing."""

from pathlib import Path

import psycopg
import pytest
from click.testing import CliRunner

from crm.check import check_crm, format_report
from crm.demo.source import DemoCrmSource
from orchestration.cli import main

SCHEMA_SQL = (Path(__file__).parents[2] / "simulator" / "schema.sql").read_text()


@pytest.fixture
def crm(warehouse_url):
    with psycopg.connect(warehouse_url, autocommit=True) as conn:
        conn.execute(SCHEMA_SQL)
        conn.execute(
            "insert into crm.opportunity (opportunity_id, name, stage_name, amount, created_date, system_modstamp) "
            "select 'opp' || g, 'Deal ' || g, 'Prospecting', 1000, '2026-01-01', '2026-02-01' "
            "from generate_series(1, 3) g"
        )
    return warehouse_url


def test_a_complete_crm_is_ready_and_counts_its_records(crm):
    report = check_crm(DemoCrmSource(crm))

    assert report.problems == []
    assert {o.name: o.rows for o in report.objects}["opportunity"] == 3
    assert "ready: Momentum can run on this CRM" in format_report(report)


def test_a_crm_without_stage_history_is_not_ready_and_says_why(crm):
    # GIVEN a CRM export mapped without its stage history (the public data set of the issue had none)
    with psycopg.connect(crm, autocommit=True) as conn:
        conn.execute("drop table crm.opportunity_history")

    report = check_crm(DemoCrmSource(crm))

    assert report.problems == [
        "point-in-time snapshots and training labels (stage history): missing opportunity_history"
    ]
    assert "opportunity_history" in format_report(report).splitlines()[-1]


def test_a_missing_optional_object_is_reported_but_not_a_problem(crm):
    with psycopg.connect(crm, autocommit=True) as conn:
        conn.execute("drop table crm.forecast_submission")

    report = check_crm(DemoCrmSource(crm))

    assert report.problems == []
    assert "not available  the reps' commit and best case in the forecast" in format_report(report)


def test_the_command_exits_1_naming_what_is_missing(crm, monkeypatch):
    monkeypatch.setenv("MOMENTUM_WAREHOUSE_URL", crm)
    monkeypatch.setenv("MOMENTUM_CRM", "demo")
    with psycopg.connect(crm, autocommit=True) as conn:
        conn.execute("drop table crm.opportunity")

    result = CliRunner().invoke(main, ["crm", "check"])

    assert result.exit_code == 1
    assert "NOT READY: deals to score, with their stages and owners: missing opportunity" in result.output


def test_an_unknown_crm_is_one_line_naming_the_setting(monkeypatch):
    monkeypatch.setenv("MOMENTUM_CRM", "pipedrive")

    result = CliRunner().invoke(main, ["crm", "check"])

    assert result.exit_code == 2
    assert "MOMENTUM_CRM='pipedrive' is not a CRM this version reads" in result.output
