"""The demo CRM written as HubSpot's exports (deals, companies, contacts) and read back by the HubSpot export
source into raw_hubspot: records arrive with counts reconciled, labels become the API's values, and the stage
history is rebuilt from the "Date entered" columns."""

from __future__ import annotations

import csv
import datetime as dt

import psycopg
import pytest
from click.testing import CliRunner

from crm.check import check_crm
from crm.hubspot.export_source import HubSpotExportSource
from extract.load import extract_crm
from orchestration.cli import main
from orchestration.failures import EXIT_USER_ERROR
from simulator.build import build_demo_crm
from simulator.hubspot_export import FILE_NAMES, write_hubspot_export

TODAY = dt.date(2026, 11, 23)


@pytest.fixture
def tiny_crm(warehouse_url):
    build_demo_crm(warehouse_url, "tiny", seed=3, today=TODAY)
    return warehouse_url


def _one(url: str, query: str):
    with psycopg.connect(url, options="-c timezone=UTC") as conn:
        return conn.execute(query).fetchone()[0]


def _rows(path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as stream:
        return list(csv.DictReader(stream))


def test_the_tiny_demo_as_hubspot_exports_lands_in_raw_hubspot_as_the_api_would(tiny_crm, tmp_path):
    # GIVEN the tiny demo CRM written as HubSpot's three exports, with the Date entered columns
    folder = tmp_path / "export"
    written = write_hubspot_export(tiny_crm, folder)
    deals = _rows(folder / FILE_NAMES["deals"])
    assert (
        written[FILE_NAMES["deals"]] == len(deals) == _one(tiny_crm, "select count(*) from crm.opportunity")
    )
    # ...as HubSpot shows them: stage labels, owner names, labels as headers
    assert {"Record ID", "Deal Name", "Deal Stage", "Deal owner", "Associated Company IDs"} <= set(deals[0])
    stage_names = {
        row[0] for row in psycopg.connect(tiny_crm).execute("select stage_name from crm.opportunity_stage")
    }
    assert {deal["Deal Stage"] for deal in deals} <= stage_names
    assert any(name.startswith('Date entered "') for name in deals[0])

    # WHEN `momentum crm check` and the extract read the folder
    assert check_crm(HubSpotExportSource(folder)).problems == []
    results = {r.object_name: r for r in extract_crm(HubSpotExportSource(folder), tiny_crm)}

    # THEN each exported object is loaded whole, nothing quarantined
    for raw_name, file_key in (("deal", "deals"), ("company", "companies"), ("contact", "contacts")):
        result = results[raw_name]
        assert (result.received, result.loaded, result.rejected) == (
            written[FILE_NAMES[file_key]],
            result.received,
            0,
        )
    # ...owners are the demo's users with deals or accounts, one per name, in their teams
    owners = _one(tiny_crm, "select count(distinct owner_id) from crm.opportunity")
    assert _one(tiny_crm, "select count(*) from raw_hubspot.owner") >= owners
    assert _one(tiny_crm, "select count(*) from raw_hubspot.owner where primary_team is null") == 0
    # ...stages take their meaning from the deals' Is closed / Is Closed Won columns: the demo's own
    stages = dict(
        psycopg.connect(tiny_crm)
        .execute("select label, isclosed and probability = 1 from raw_hubspot.deal_stage")
        .fetchall()
    )
    won = dict(
        psycopg.connect(tiny_crm).execute("select stage_name, is_won from crm.opportunity_stage").fetchall()
    )
    assert {label: won[label] for label in stages} == stages
    # ...every deal's current stage is a stage of the table, and its last stage version is that stage
    assert (
        _one(
            tiny_crm,
            "select count(*) from raw_hubspot.deal d left join raw_hubspot.deal_stage s on s.id = d.dealstage"
            " where s.id is null",
        )
        == 0
    )
    assert (
        _one(
            tiny_crm,
            """select count(*) from raw_hubspot.deal d
           join lateral (select value from raw_hubspot.deal_property_history h
                         where h.deal_id = d.id and h.property = 'dealstage'
                         order by h."timestamp" desc limit 1) last on true
           where last.value <> d.dealstage""",
        )
        == 0
    )
    # ...and its first history moment holds a stage (amount and close date stand from then: an export has no
    # history of them), so no snapshot is without a stage
    assert (
        _one(
            tiny_crm,
            """select count(*) from (select deal_id, min("timestamp") first_moment from raw_hubspot.deal_property_history
                                 group by deal_id) f
           where not exists (select 1 from raw_hubspot.deal_property_history h where h.deal_id = f.deal_id
                             and h.property = 'dealstage' and h."timestamp" = f.first_moment)""",
        )
        == 0
    )
    # ...and the contact roles come from Associated Contact IDs
    assert _one(tiny_crm, "select count(*) from raw_hubspot.deal_contact") == _one(
        tiny_crm, "select count(distinct (opportunity_id, contact_id)) from crm.opportunity_contact_role"
    )
    # AND the export's date is the day after its latest change
    with HubSpotExportSource(folder) as source:
        assert source.today() == _one(
            tiny_crm,
            "select (max(system_modstamp) at time zone 'UTC')::date + 1 from"
            " (select system_modstamp from crm.opportunity union all select system_modstamp from crm.account"
            "  union all select system_modstamp from crm.contact) s",
        )


def test_the_cli_writes_the_exports_and_a_run_on_one_without_deal_stage_says_which_file(tiny_crm, tmp_path):
    env = {"MOMENTUM_WAREHOUSE_URL": tiny_crm, "MOMENTUM_HOME": str(tmp_path / "home")}
    folder = tmp_path / "export"

    written = CliRunner().invoke(main, ["sim", "export-hubspot", str(folder), "--no-date-entered"], env=env)

    assert written.exit_code == 0, written.output
    assert FILE_NAMES["deals"] in written.output and "MOMENTUM_CRM_PATH=" in written.output
    deals_path = folder / FILE_NAMES["deals"]
    rows = _rows(deals_path)
    assert not any(name.startswith("Date entered") for name in rows[0])

    # A run on the deals export without its Deal Stage column stops before anything runs, in one line
    with deals_path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.DictWriter(
            stream, [name for name in rows[0] if name != "Deal Stage"], extrasaction="ignore"
        )
        writer.writeheader()
        writer.writerows(rows)
    files = env | {"MOMENTUM_CRM": "files", "MOMENTUM_CRM_PATH": str(folder)}
    run = CliRunner().invoke(main, ["run"], env=files)

    assert run.exit_code == EXIT_USER_ERROR, run.output
    assert run.output.strip().splitlines() == [
        f"momentum: {FILE_NAMES['deals']} (deals export, read as comma-separated) has no column Deal Stage "
        "(required): include that property in the export"
    ]
