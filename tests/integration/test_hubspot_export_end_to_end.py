"""HubSpot's exports run the whole pipeline: the tiny demo CRM written as HubSpot's deals, companies and contacts
exports (stage history only in the "Date entered" columns, as real exports carry it) and read with
MOMENTUM_CRM=files into a fresh warehouse passes `momentum crm check`, trains, and `momentum run` runs the
morning on the export's own date, with nothing written back. Same fixtures as the Salesforce export's test."""

from __future__ import annotations

import csv
from pathlib import Path

import dagster as dg
import psycopg
from click.testing import CliRunner

from crm.connectors import crm_source
from orchestration.cli import main
from orchestration.runner import run_job
from simulator.hubspot_export import FILE_NAMES, write_hubspot_export
from tests.integration.test_salesforce_export_end_to_end import (  # noqa: F401 (fixtures)
    files_warehouse,
    source_crm,
)
from warehouse.settings import load_settings


def _query(url: str, statement: str, params=None) -> list[tuple]:
    with psycopg.connect(url) as conn:
        return conn.execute(statement, params).fetchall()


def _open_deal_ids(folder: Path) -> set[str]:
    with (folder / FILE_NAMES["deals"]).open(encoding="utf-8", newline="") as stream:
        return {row["Record ID"] for row in csv.DictReader(stream) if row["Is closed"] == "false"}


def test_a_hubspot_export_runs_the_retrain_and_momentum_run_with_nothing_written_back(
    source_crm,  # noqa: F811
    files_warehouse,  # noqa: F811
    tmp_path,
):
    # GIVEN the tiny demo CRM written as HubSpot's exports in the folder MOMENTUM_CRM_PATH names
    folder = tmp_path / "export"
    written = write_hubspot_export(source_crm, folder)
    settings = load_settings()
    with crm_source(settings, files_warehouse) as source:
        export_today = source.today()
    assert source.layout.schema == "raw_hubspot"

    # WHEN `momentum crm check` reads it, THEN it finds everything Momentum needs
    check = CliRunner().invoke(main, ["crm", "check"])
    assert check.exit_code == 0, check.output

    # WHEN the retrain runs on the export's date, then `momentum run` (the morning job, on the export's date)
    instance = dg.DagsterInstance.ephemeral()
    retrain = run_job(settings, "retrain", export_today, instance=instance)
    assert retrain.success, (retrain.failed_steps, retrain.failed_checks)
    print(retrain.model_outcomes)
    # ...and what the export rebuilds gives nothing away: no feature leaks the outcome (a back-dated forecast
    # category did: Closed on every won deal)
    assert "leaks" not in retrain.model_outcomes["ml/win_champion"], retrain.model_outcomes
    run = CliRunner().invoke(main, ["run"])
    assert run.exit_code == 0, run.output
    url = files_warehouse

    # THEN each export landed in raw_hubspot with received = loaded + rejected
    for raw_name, file_key in (("deal", "deals"), ("company", "companies"), ("contact", "contacts")):
        [(raw_rows,)] = _query(url, f"select count(*) from raw_hubspot.{raw_name}")
        [(rejected,)] = _query(
            url, "select count(*) from raw_hubspot._rejects where object_name = %s", (raw_name,)
        )
        assert raw_rows + rejected == written[FILE_NAMES[file_key]], raw_name
    # AND the stage history rebuilt from the Date entered columns gives deals past snapshots to learn from
    [(deals_with_history,)] = _query(
        url,
        "select count(distinct opportunity_id) from intermediate.int_opportunity_history_versioned"
        " where is_from_history",
    )
    assert deals_with_history > 0
    [(labelled,)] = _query(url, "select count(*) from marts.fct_deal_snapshots where label_won is not null")
    assert labelled > 0
    # AND every open deal of the export is scored on the export's date, and the reps have TMVAs
    scored = {
        deal
        for (deal,) in _query(
            url, "select opportunity_id from ml.deal_scores where as_of_date = %s", (export_today,)
        )
    }
    assert scored == _open_deal_ids(folder) != set()
    [(tmvas,)] = _query(url, "select count(*) from actions.tmva_daily where as_of_date = %s", (export_today,))
    assert tmvas > 0
    # AND nothing was written back: HubSpot export files have no destination
    [(sync_log,)] = _query(url, "select to_regclass('reverse_etl.sync_log')")
    assert sync_log is None or _query(url, "select count(*) from reverse_etl.sync_log") == [(0,)]
    print(run.output)
    print(f"open deals scored {len(scored)}, TMVAs {tmvas}, labelled snapshots {labelled}")
