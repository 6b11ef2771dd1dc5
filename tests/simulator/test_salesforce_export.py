"""The demo CRM written as a Salesforce data export (`momentum sim export-salesforce`) and read back by the
export source: every object's records arrive, counts reconcile, and the files look as Salesforce's do."""

from __future__ import annotations

import csv
import datetime as dt

import psycopg
import pytest
from click.testing import CliRunner

from crm.check import check_crm
from crm.salesforce.export_source import SalesforceExportSource
from crm.salesforce.fields import OBJECTS_BY_API_NAME
from extract.load import extract_crm
from orchestration.cli import main
from orchestration.failures import EXIT_USER_ERROR
from simulator.build import build_demo_crm
from simulator.salesforce_export import PLACEHOLDER_CLOSE_DATE, write_salesforce_export
from simulator.salesforce_org import SALESFORCE_SELECTS

TODAY = dt.date(2026, 11, 23)


@pytest.fixture
def tiny_crm(warehouse_url):
    build_demo_crm(warehouse_url, "tiny", seed=3, today=TODAY)
    return warehouse_url


def _count(url: str, query: str) -> int:
    with psycopg.connect(url) as conn:
        return conn.execute(query).fetchone()[0]


def _rows(path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as stream:
        return list(csv.DictReader(stream))


def test_the_tiny_demo_as_an_export_extracts_with_counts_reconciled_per_object(tiny_crm, tmp_path):
    # GIVEN the tiny demo CRM written as a Salesforce data export, placeholder history rows included
    folder = tmp_path / "export"
    written = write_salesforce_export(tiny_crm, folder)

    # THEN every object has its file, with as many rows as the demo CRM holds
    assert set(written) == {f"{api_name}.csv" for api_name in SALESFORCE_SELECTS}
    for api_name, select in SALESFORCE_SELECTS.items():
        assert written[f"{api_name}.csv"] == _count(tiny_crm, f"select count(*) from ({select}) o"), api_name

    # ...and `momentum crm check` finds everything Momentum needs in it
    assert check_crm(SalesforceExportSource(folder)).problems == []

    # WHEN the export is extracted into raw_salesforce
    with SalesforceExportSource(folder) as source:
        export_today = source.today()
    results = {result.object_name: result for result in extract_crm(SalesforceExportSource(folder), tiny_crm)}

    # THEN per object: received = rows in its file = loaded, nothing quarantined, and the raw table holds them
    for api_name in SALESFORCE_SELECTS:
        raw_name = OBJECTS_BY_API_NAME[api_name].raw_name
        result = results[raw_name]
        assert (result.received, result.loaded, result.rejected) == (written[f"{api_name}.csv"],) * 2 + (
            0,
        ), api_name
        assert _count(tiny_crm, f'select count(*) from raw_salesforce."{raw_name}"') == result.loaded
    # ...and the export's date is the demo CRM's last change, not the day the test runs
    latest = " union all ".join(
        f'select max("{OBJECTS_BY_API_NAME[api_name].modstamp_field}") s from ({select}) o'
        for api_name, select in SALESFORCE_SELECTS.items()
    )
    # The day after the export's last change: the first as-of date that sees all of it.
    assert export_today == _count(
        tiny_crm, f"select (max(s) at time zone 'UTC')::date + 1 from ({latest}) stamps"
    )
    assert export_today <= TODAY


def test_the_export_looks_as_salesforce_writes_it(tiny_crm, tmp_path):
    folder = tmp_path / "export"
    write_salesforce_export(tiny_crm, folder, objects=("Opportunity", "OpportunityHistory"))

    opportunities = _rows(folder / "Opportunity.csv")
    history = _rows(folder / "OpportunityHistory.csv")

    # 18-character ids in Id and reference fields, 1/0 booleans, ISO datetimes in UTC with milliseconds
    assert {len(row["Id"]) for row in opportunities} == {18}
    assert {len(row["OwnerId"]) for row in opportunities if row["OwnerId"]} == {18}
    assert {len(row["OpportunityId"]) for row in history} == {18}
    assert {row["IsClosed"] for row in opportunities} == {"0", "1"}
    assert all(dt.datetime.strptime(row["SystemModstamp"], "%Y-%m-%dT%H:%M:%S.%fZ") for row in opportunities)
    # Salesforce's placeholder: the first history row of each deal has a close date in 2013, and only it
    placeholders = [row for row in history if row["CloseDate"] == PLACEHOLDER_CLOSE_DATE.isoformat()]
    assert len(placeholders) == len({row["OpportunityId"] for row in history})
    assert len({row["OpportunityId"] for row in placeholders}) == len(placeholders)


def test_without_placeholders_the_history_keeps_the_demo_crms_close_dates(tiny_crm, tmp_path):
    folder = tmp_path / "export"
    write_salesforce_export(tiny_crm, folder, placeholder_history=False, objects=("OpportunityHistory",))

    close_dates = {row["CloseDate"] for row in _rows(folder / "OpportunityHistory.csv")}

    assert PLACEHOLDER_CLOSE_DATE.isoformat() not in close_dates


def test_the_cli_writes_the_export_and_a_run_on_a_broken_one_says_which_file(tiny_crm, tmp_path):
    env = {"MOMENTUM_WAREHOUSE_URL": tiny_crm, "MOMENTUM_HOME": str(tmp_path / "home")}
    folder = tmp_path / "export"

    written = CliRunner().invoke(main, ["sim", "export-salesforce", str(folder)], env=env)

    assert written.exit_code == 0, written.output
    assert "Opportunity.csv" in written.output and "MOMENTUM_CRM_PATH=" in written.output

    # A run on the export without its StageName column stops before anything runs, in one line
    rows = _rows(folder / "Opportunity.csv")
    with (folder / "Opportunity.csv").open("w", encoding="utf-8", newline="") as stream:
        writer = csv.DictWriter(
            stream, [name for name in rows[0] if name != "StageName"], extrasaction="ignore"
        )
        writer.writeheader()
        writer.writerows(rows)
    files = env | {"MOMENTUM_CRM": "files", "MOMENTUM_CRM_PATH": str(folder)}
    run = CliRunner().invoke(main, ["run"], env=files)

    assert run.exit_code == EXIT_USER_ERROR, run.output
    assert run.output.strip().splitlines() == [
        "momentum: Opportunity.csv has no column StageName (required; read as comma-separated): export "
        "Opportunity with that field"
    ]
