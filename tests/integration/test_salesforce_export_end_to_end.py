"""A Salesforce data export runs the whole pipeline: the tiny demo CRM written as an export (placeholder history
rows included, as real exports have them) and read with MOMENTUM_CRM=files into a fresh warehouse passes
`momentum crm check`, trains, and runs the morning job on the export's own date, writing back Salesforce Data Loader
files into the outbox: a second morning writes no new record, and a record Data Loader refused goes out again."""

from __future__ import annotations

import csv
import json
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import dagster as dg
import psycopg
import pytest
from click.testing import CliRunner

from crm.connectors import crm_source
from crm.salesforce.fields import OBJECTS_BY_API_NAME
from orchestration.cli import main
from orchestration.runner import JobReport, run_job
from orchestration.summary import print_run_summary
from reverse_etl.mapping import load_mappings
from simulator.advance import advance_demo_crm
from simulator.build import build_demo_crm
from simulator.salesforce_export import write_salesforce_export
from tests.databases import scratch_database
from warehouse.settings import load_settings

TINY_DEMO_TODAY = date(2026, 11, 23)  # as tests/integration/conftest.py: enough closed deals to train on
# The longest close-date push a snapshot may show: the tiny demo's real pushes are weeks to months; a
# placeholder close date taken for a real one would push by years (2013 to the deal's real close date).
PLAUSIBLE_PUSH_DAYS = 366


def _query(url: str, statement: str, params=None) -> list[tuple]:
    with psycopg.connect(url) as conn:
        return conn.execute(statement, params).fetchall()


def _open_deal_ids(folder: Path) -> set[str]:
    """The export's open, not deleted, deals by their 15-character id (the form Momentum keys them by)."""
    with (folder / "Opportunity.csv").open(encoding="utf-8", newline="") as stream:
        return {
            row["Id"][:15]
            for row in csv.DictReader(stream)
            if row["IsClosed"] == "0" and row.get("IsDeleted", "0") == "0"
        }


@pytest.fixture
def source_crm(server_url: str) -> Iterator[str]:
    """The tiny demo CRM in a database of its own: the org the export is taken from, never the warehouse."""
    with scratch_database(server_url, "sf_org") as url:
        build_demo_crm(url, preset="tiny", seed=11, today=TINY_DEMO_TODAY)
        yield url


@pytest.fixture
def files_warehouse(warehouse_url: str, tmp_path: Path, monkeypatch) -> Iterator[str]:
    """A fresh warehouse reading the export folder (MOMENTUM_CRM=files), with the tiny demo's settings."""
    monkeypatch.setenv("MOMENTUM_WAREHOUSE_URL", warehouse_url)
    monkeypatch.setenv("MOMENTUM_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("MOMENTUM_CRM", "files")
    monkeypatch.setenv("MOMENTUM_CRM_PATH", str(tmp_path / "export"))
    monkeypatch.setenv("MOMENTUM_MIN_CLOSED_DEALS", "8")
    # `momentum run` keeps its run history under DAGSTER_HOME (and sets it when unset): this test's, not the process's.
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "home" / "dagster"))
    # As the shared tiny demo: its model cannot beat the stage baseline, promote it anyway so that the
    # model path (scores, explanations, model-valued TMVAs) is what runs.
    monkeypatch.setenv("MOMENTUM_PROMOTION_FLOOR", "none")
    try:
        with _definitions_built_for_this_crm():
            yield warehouse_url
    finally:
        # The runs' MLflow database beside the warehouse (warehouse.server names it `<warehouse>_mlflow`).
        admin = urlunsplit(urlsplit(warehouse_url)._replace(path="/postgres"))
        mlflow_database = urlsplit(warehouse_url).path.lstrip("/") + "_mlflow"
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'drop database if exists "{mlflow_database}" with (force)')


# What this module holds on to; every other orchestration module is imported again for MOMENTUM_CRM=files.
KEPT_MODULES = {"orchestration", "orchestration.cli", "orchestration.runner", "orchestration.summary"}


@contextmanager
def _definitions_built_for_this_crm() -> Iterator[None]:
    """The Dagster definitions (asset keys, raw checks, the dbt manifest's target folder) follow the CRM read
    when their modules are imported, as each `momentum` process imports them once. This test's worker may have
    imported them for the demo CRM: import them afresh for the export, and give the next test the demo's back."""
    earlier = {name: module for name, module in sys.modules.items() if _rebuilt(name)}
    for name in earlier:
        del sys.modules[name]
    try:
        yield
    finally:
        for name in [name for name in sys.modules if _rebuilt(name)]:
            del sys.modules[name]
        sys.modules.update(earlier)


def _rebuilt(name: str) -> bool:
    return name.startswith("orchestration.") and name not in KEPT_MODULES


def _run(job_name: str, as_of: date, instance: dg.DagsterInstance) -> JobReport:
    started = time.monotonic()
    report = run_job(load_settings(), job_name, as_of, instance=instance)
    print(f"{job_name} as of {as_of}: {time.monotonic() - started:.0f}s")
    assert report.success, (job_name, report.failed_steps, report.failed_checks)
    return report


def test_a_salesforce_export_runs_the_retrain_and_the_morning_job_and_writes_data_loader_files(
    source_crm, files_warehouse, tmp_path, capsys
):
    # GIVEN the tiny demo CRM written as a Salesforce data export with placeholder history rows
    folder = tmp_path / "export"
    written = write_salesforce_export(source_crm, folder, placeholder_history=True)
    settings = load_settings()
    with crm_source(settings, files_warehouse) as source:
        export_today = source.today()

    # WHEN `momentum crm check` reads it, THEN it finds everything Momentum needs
    check = CliRunner().invoke(main, ["crm", "check"])
    assert check.exit_code == 0, check.output

    # WHEN the retrain and the morning job run on the export's own date
    instance = dg.DagsterInstance.ephemeral()
    retrain = _run("retrain", export_today, instance)
    morning = _run("morning", export_today, instance)
    url = files_warehouse

    # THEN every object landed in raw_salesforce, each with received = loaded + rejected
    assert morning.raw_schema == "raw_salesforce"
    for file_name, rows in written.items():
        raw_name = OBJECTS_BY_API_NAME[file_name.removesuffix(".csv")].raw_name
        [(raw_rows,)] = _query(url, f'select count(*) from raw_salesforce."{raw_name}"')
        [(rejected,)] = _query(
            url, "select count(*) from raw_salesforce._rejects where object_name = %s", (raw_name,)
        )
        assert raw_rows + rejected == rows, (file_name, raw_rows, rejected)
        print(f"{file_name}: {rows} rows, {raw_rows} loaded, {rejected} rejected")
    # AND staging and the marts were built from them
    for relation in ("staging.stg_crm__opportunities", "staging.stg_crm__opportunity_history"):
        assert _query(url, f"select count(*) > 0 from {relation}") == [(True,)], relation
    assert _query(
        url, "select count(*) > 0 from marts.fct_deal_snapshots where as_of_date = %s", (export_today,)
    )
    # AND every open deal of the export is scored today
    open_deals = _open_deal_ids(folder)
    scored = {
        opportunity_id
        for (opportunity_id,) in _query(
            url, "select opportunity_id from ml.deal_scores where as_of_date = %s", (export_today,)
        )
    }
    assert open_deals and scored == open_deals
    # AND the reps have today's TMVAs
    [(tmvas,)] = _query(url, "select count(*) from actions.tmva_daily where as_of_date = %s", (export_today,))
    assert tmvas > 0
    # AND the placeholder close dates were flagged, and none shows as a close-date push of years
    [(placeholders,)] = _query(
        url,
        "select count(distinct opportunity_id) from intermediate.int_opportunity_history_versioned"
        " where placeholder_close_date_count > 0",
    )
    assert placeholders > 0
    [(longest_push,)] = _query(url, "select max(close_date_days_pushed) from marts.fct_deal_snapshots")
    assert longest_push is None or longest_push <= PLAUSIBLE_PUSH_DAYS, longest_push
    # ...and every open deal has its close date today, the deals untouched since creation included (their only
    # history row is the placeholder one)
    without_close_date = _query(
        url,
        "select count(*) from marts.fct_deal_snapshots where as_of_date = %s and close_date is null",
        (export_today,),
    )
    assert without_close_date == [(0,)]
    # AND the reverse-ETL syncs wrote Data Loader files into the outbox, one folder for the run, counts reconciled
    outbox = settings.outbox_dir
    [run_folder] = list(outbox.iterdir())
    manifest = json.loads((run_folder / "manifest.json").read_text())["files"]
    logged = _sync_log(url, morning.run_id)
    for sync_name in load_mappings():
        event = instance.get_latest_materialization_event(dg.AssetKey(["reverse_etl", sync_name]))
        assert event.asset_materialization.metadata["status"].value == "succeeded", sync_name
        in_files = {
            entry["operation"]: _csv_rows(run_folder / name)
            for name, entry in manifest.items()
            if entry["sync"] == sync_name and "retire" not in name
        }
        assert sum(len(rows) for rows in in_files.values()) == logged[sync_name]["written"] > 0, sync_name
    opportunity_rows = _csv_rows(run_folder / "opportunity_fields-Opportunity-update.csv")
    assert {row["Id"] for row in opportunity_rows} == open_deals
    assert _csv_rows(run_folder / "tasks-Task-upsert.csv")[0]["AI_External_Id__c"]
    # AND the summary says where the extract landed
    print_run_summary(settings, [retrain, morning], total_seconds=None)
    summary = capsys.readouterr().out
    print(summary)
    assert "morning job succeeded" in summary
    print(
        f"open deals {len(open_deals)}, scored {len(scored)}, TMVAs {tmvas}, deals with placeholders "
        f"{placeholders}, longest push {longest_push} days"
    )
    assert f"CRM files to load by hand: {run_folder}" in summary

    # WHEN Data Loader refused one opportunity (its error file dropped into the run's folder) and the morning runs
    # again on the same export
    refused = opportunity_rows[0]
    with (run_folder / "error120426061500000.csv").open("w", encoding="utf-8", newline="") as stream:
        writer = csv.DictWriter(stream, [*refused, "ERROR"])
        writer.writeheader()
        writer.writerow(refused | {"ERROR": "ENTITY_IS_LOCKED:the entity is locked for editing:--"})
    again = _run("morning", export_today, instance)

    # THEN the second morning writes no new record: only the refused one goes out again, logged with its message
    again_logged = _sync_log(url, again.run_id)
    assert again_logged["tasks"]["written"] == 0, again_logged
    assert again_logged["opportunity_fields"]["written"] == 1, again_logged
    [new_folder] = [f for f in outbox.iterdir() if f != run_folder]
    assert [row["Id"] for row in _csv_rows(new_folder / "opportunity_fields-Opportunity-update.csv")] == [
        refused["Id"]
    ]
    assert _query(
        url,
        "select record_key from reverse_etl.sync_record_error where sync_run_id = %s and error like %s",
        (again_logged["opportunity_fields"]["sync_run_id"], "%ENTITY_IS_LOCKED%"),
    ) == [(refused["Id"],)]

    # WHEN the org lives one more day and a new export replaces the folder's files
    history_before = _raw_count(url, "opportunityhistory")
    advance_demo_crm(source_crm, 1)
    rewritten = write_salesforce_export(source_crm, folder, placeholder_history=True)
    # ...and `momentum run` runs the morning on the new export's date, without a full refresh
    run = CliRunner().invoke(main, ["run"])
    assert run.exit_code == 0, run.output
    with crm_source(settings, url) as source:
        next_today = source.today()
    assert next_today > export_today

    # THEN the new history rows arrived, and only the changed records were read (an incremental extract)
    history_after = _raw_count(url, "opportunityhistory")
    assert history_after == rewritten["OpportunityHistory.csv"] > history_before
    received = dict(_query(url, "select object_name, last_received from raw_salesforce._extract_state"))
    assert received["opportunityhistory"] < history_after, received
    # AND the new day's open deals are scored and advised, yesterday's scores kept
    [(scored_days,)] = _query(url, "select count(distinct as_of_date) from ml.deal_scores")
    assert scored_days == 2
    assert {
        row[0]
        for row in _query(
            url, "select opportunity_id from ml.deal_scores where as_of_date = %s", (next_today,)
        )
    } == _open_deal_ids(folder)
    [(next_tmvas,)] = _query(
        url, "select count(*) from actions.tmva_daily where as_of_date = %s", (next_today,)
    )
    assert next_tmvas > 0
    print(run.output)
    print(
        f"second export as of {next_today}: history {history_before} -> {history_after}, received {received}, TMVAs {next_tmvas}"
    )


def _csv_rows(path: Path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as stream:
        return list(csv.DictReader(stream))


def _sync_log(url: str, dagster_run_id: str) -> dict[str, dict]:
    rows = _query(
        url,
        "select sync_name, sync_run_id::text, written, retired, failed, changed from reverse_etl.sync_log"
        " where dagster_run_id = %s",
        (dagster_run_id,),
    )
    columns = ("sync_run_id", "written", "retired", "failed", "changed")
    return {name: dict(zip(columns, values, strict=True)) for name, *values in rows}


def _raw_count(url: str, raw_name: str) -> int:
    return _query(url, f'select count(*) from raw_salesforce."{raw_name}"')[0][0]
