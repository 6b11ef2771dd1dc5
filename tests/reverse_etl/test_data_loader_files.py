"""The Data Loader files destination (MOMENTUM_CRM=files): the engine's syncs written as CSV files to load by hand."""

from __future__ import annotations

import csv
import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from crm.salesforce.data_loader.csv_file import CLEAR, write_atomically
from crm.salesforce.data_loader.destination import DataLoaderOutbox
from crm.salesforce.data_loader.outbox import outbox_line
from crm.salesforce.write_fields import mapped_fields
from reverse_etl import load_mappings, run_sync
from tests.reverse_etl.helpers import OPPORTUNITY_IDS, execute, query, score, set_payload, tmva

MAPPINGS = load_mappings()
AS_OF = date(2026, 5, 4)


def sync(url: str, outbox: Path, mapping: str, run_id: str, **kwargs):
    return run_sync(
        url,
        url,
        MAPPINGS[mapping],
        open_destination=DataLoaderOutbox(outbox),
        run_id=run_id,
        as_of=AS_OF,
        **kwargs,
    )


def read_csv(path: Path) -> tuple[list[str], list[dict]]:
    with path.open(encoding="utf-8", newline="") as stream:
        reader = csv.DictReader(stream)
        return list(reader.fieldnames or []), list(reader)


def run_files(outbox: Path) -> list[Path]:
    return sorted(p for p in outbox.glob("*/*.csv"))


def log_row(url: str, sync_run_id: str) -> dict:
    return query(url, "select * from reverse_etl.sync_log where sync_run_id = %s", (sync_run_id,))[0]


def export_tasks(url: str, rows: list[tuple[str, str, str]]) -> None:
    """The latest export's Task rows (Id, Status, AI_External_Id__c), as the extract lands them."""
    execute(
        url,
        "create schema if not exists raw_salesforce;"
        " create table raw_salesforce.task (id text, status text, ai_external_id__c text, _deleted_at timestamptz)",
    )
    for row in rows:
        execute(url, "insert into raw_salesforce.task values (%s, %s, %s, null)", row)


def test_opportunity_update_file_uses_api_names_and_clears_only_what_momentum_owns(crm, tmp_path):
    # GIVEN two scored deals: one lost its next best action (a field Momentum clears), one has no slip risk
    tricky = 'Call "Dana", then email:\nthe CFO, today'
    set_payload(
        crm,
        "sync_crm__opportunity_fields",
        [
            score(OPPORTUNITY_IDS[0], "0.4200", action=tricky) | {"ai_slip_risk": Decimal("0.3")},
            score(OPPORTUNITY_IDS[1], "0.1000", action=None) | {"ai_slip_risk": None},
        ],
    )

    # WHEN the opportunity sync runs into the files destination
    result = sync(crm, tmp_path, "opportunity_fields", "run-aaaa1111")

    # THEN one Update file keyed by Id, headed by the field table's API names
    [path] = run_files(tmp_path)
    assert path.parent.name == "2026-05-04_run-runaaaa1"
    header, rows = read_csv(path)
    assert header == [f.api_name for f in mapped_fields(MAPPINGS["opportunity_fields"])]
    assert header[0] == "Id" and "AI_Win_Probability__c" in header
    by_id = {row["Id"]: row for row in rows}
    # ...values exact, a text with quotes, commas and a line break survives the round trip
    assert by_id[OPPORTUNITY_IDS[0]]["AI_Win_Probability__c"] == "0.4200"
    assert by_id[OPPORTUNITY_IDS[0]]["AI_Next_Best_Action__c"] == tricky
    assert by_id[OPPORTUNITY_IDS[0]]["AI_Scored_At__c"] == "2026-05-04T05:30:00Z"
    # ...a cleared advice is #N/A (Data Loader nulls it), a null elsewhere is empty (left as it is)
    assert by_id[OPPORTUNITY_IDS[1]]["AI_Next_Best_Action__c"] == CLEAR
    assert by_id[OPPORTUNITY_IDS[1]]["AI_Slip_Risk__c"] == ""
    # AND the manifest says what the file is, how many records, which model, how to load it
    manifest = json.loads((path.parent / "manifest.json").read_text())
    entry = manifest["files"][path.name]
    assert (entry["operation"], entry["object"], entry["match_field"]) == ("update", "Opportunity", "Id")
    assert entry["model_versions"] == ["win@3"]
    assert "Data Loader" in manifest["how_to_load"] and CLEAR in manifest["how_to_load"]
    # AND the counts reconcile: file rows = manifest = written in the sync log
    log = log_row(crm, result.sync_run_id)
    assert entry["records"] == len(rows) == result.written == log["written"] == log["changed"] == 2
    assert log["failed"] == 0

    # WHEN it runs again on the same payload THEN it writes no record and no file
    again = sync(crm, tmp_path, "opportunity_fields", "run-bbbb2222")
    assert (again.changed, again.written) == (0, 0)
    assert run_files(tmp_path) == [path]


def test_tasks_are_an_upsert_file_on_the_external_id_with_a_retire_file(crm, tmp_path):
    # GIVEN an export holding a Momentum task still Open that left today's payload, and one a rep completed
    export_tasks(
        crm,
        [
            ("00T000000000000OLD", "Open", "tmva-old"),
            ("00T000000000000DON", "Completed", "tmva-done"),
        ],
    )
    set_payload(crm, "sync_crm__tasks", [tmva("tmva-new"), tmva("tmva-done"), tmva("tmva-new-2")])

    result = sync(crm, tmp_path, "tasks", "run-cccc3333")

    folder = next(tmp_path.iterdir())
    header, rows = read_csv(folder / "tasks-Task-upsert.csv")
    # THEN the upsert file is keyed by AI_External_Id__c and names the deal, contact and owner
    assert header[:4] == ["AI_External_Id__c", "WhatId", "WhoId", "OwnerId"]
    assert {row["AI_External_Id__c"] for row in rows} == {
        "tmva-new",
        "tmva-new-2",
    }  # the rep's task left alone
    assert rows[0]["WhatId"] == OPPORTUNITY_IDS[0]
    # AND the task that left the payload is expired by Id, its external id alongside
    _, retired = read_csv(folder / "tasks-Task-retire-update.csv")
    assert retired == [{"Id": "00T000000000000OLD", "AI_External_Id__c": "tmva-old", "Status": "Expired"}]
    manifest = json.loads((folder / "manifest.json").read_text())["files"]
    assert manifest["tasks-Task-upsert.csv"]["match_field"] == "AI_External_Id__c"
    assert manifest["tasks-Task-upsert.csv"]["operation"] == "upsert"
    # AND the sync log reconciles with the files
    log = log_row(crm, result.sync_run_id)
    assert (log["written"], log["retired"], log["changed"]) == (len(rows), len(retired), 3)


def test_an_error_file_dropped_into_the_run_folder_is_logged_and_its_records_sent_again(crm, tmp_path):
    set_payload(
        crm,
        "sync_crm__opportunity_fields",
        [
            score(OPPORTUNITY_IDS[0], "0.42"),
            score(OPPORTUNITY_IDS[1], "0.10"),
            score(OPPORTUNITY_IDS[2], "0.7"),
        ],
    )
    sync(crm, tmp_path, "opportunity_fields", "run-dddd4444")
    [loaded] = run_files(tmp_path)
    header, rows = read_csv(loaded)
    # GIVEN Data Loader refused one record: its error file has the loaded columns plus ERROR
    refused = rows[1]
    message = "FIELD_CUSTOM_VALIDATION_EXCEPTION:Close date cannot be in the past:--"
    error_file = loaded.parent / "error120426101500123.csv"
    with error_file.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.DictWriter(stream, [*header, "ERROR"])
        writer.writeheader()
        writer.writerow(refused | {"ERROR": message})

    # WHEN the next run runs on the same payload
    second = sync(crm, tmp_path, "opportunity_fields", "run-eeee5555")

    # THEN that record, and only it, is written again, in the new run's folder
    assert (second.changed, second.written) == (1, 1)
    new_file = next(p for p in run_files(tmp_path) if p != loaded)
    assert [row["Id"] for row in read_csv(new_file)[1]] == [refused["Id"]]
    # AND the refusal is in the sync log with Data Loader's message, under the run that read it
    errors = query(
        crm,
        "select record_key, error from reverse_etl.sync_record_error where sync_run_id = %s",
        (second.sync_run_id,),
    )
    assert [e["record_key"] for e in errors] == [refused["Id"]]
    assert message in errors[0]["error"] and loaded.name in errors[0]["error"]
    assert "refused" in log_row(crm, second.sync_run_id)["message"]
    # AND the error file is marked read, so a third run sends nothing
    assert not error_file.exists() and error_file.with_name(error_file.name + ".logged").exists()
    third = sync(crm, tmp_path, "opportunity_fields", "run-ffff6666")
    assert (third.changed, third.written) == (0, 0)


def test_a_dry_run_writes_no_file_and_leaves_error_files_unread(crm, tmp_path):
    set_payload(crm, "sync_crm__opportunity_fields", [score(OPPORTUNITY_IDS[0], "0.42")])

    result = sync(crm, tmp_path, "opportunity_fields", "run-gggg7777", dry_run=True)

    assert (result.status, result.written) == ("dry_run", 1)
    assert run_files(tmp_path) == []


def test_a_write_killed_midway_leaves_no_file_under_its_final_name(tmp_path):
    def rows():
        yield ["006A", "0.5"]
        raise KeyboardInterrupt  # the run is killed while the file is being written

    target = tmp_path / "run" / "opportunity_fields-Opportunity-update.csv"
    with pytest.raises(KeyboardInterrupt):
        write_atomically(target, ["Id", "AI_Win_Probability__c"], rows())

    assert list(target.parent.iterdir()) == []


def test_a_complete_write_replaces_the_file_whole(tmp_path):
    target = tmp_path / "f.csv"
    assert write_atomically(target, ["Id"], [["a"], ["b"]]) == 2
    assert write_atomically(target, ["Id"], [["c"]]) == 1
    assert read_csv(target) == (["Id"], [{"Id": "c"}])
    assert [p.name for p in tmp_path.iterdir()] == ["f.csv"]


def test_the_run_summary_names_the_run_folder_or_says_nothing_was_needed(crm, tmp_path):
    set_payload(crm, "sync_crm__opportunity_fields", [score(OPPORTUNITY_IDS[0], "0.42")])
    sync(crm, tmp_path, "opportunity_fields", "run-hhhh8888")

    written = outbox_line(tmp_path, AS_OF, "run-hhhh8888", run_succeeded=True)
    idle = outbox_line(tmp_path, AS_OF, "run-iiii9999", run_succeeded=True)
    failed = outbox_line(tmp_path, AS_OF, "run-iiii9999", run_succeeded=False)

    assert (
        written
        == f"CRM files to load by hand: {tmp_path / '2026-05-04_run-runhhhh8'} (manifest.json says how to load each)"
    )
    assert idle is not None and "none written" in idle and str(tmp_path) in idle
    assert failed is None
