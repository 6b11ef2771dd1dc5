"""The outbox: one folder per run holding its Data Loader files and a manifest saying how to load each.

    $MOMENTUM_CRM_OUTBOX/2026-11-23_run-1a2b3c4d/
        opportunity_fields-Opportunity-update.csv
        tasks-Task-upsert.csv
        tasks-Task-retire-update.csv
        manifest.json

Both syncs of a run write into the same folder, possibly at once (Dagster runs them in parallel), so the manifest
is read, extended and rewritten under a file lock.
"""

from __future__ import annotations

import fcntl
import json
import re
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import psycopg

from crm.salesforce.data_loader.csv_file import CLEAR, write_text_atomically

MANIFEST = "manifest.json"
HOW_TO_LOAD = (
    "Load each file with Salesforce Data Loader (or the Data Import Wizard), its operation and object as listed, "
    "mapping columns by name (Auto-Match). Settings: 'Read all CSVs with UTF-8 encoding' on, 'Insert null values' "
    f"off: an empty cell leaves the field as it is, {CLEAR} clears it. Upserts match on the external id field "
    "AI_External_Id__c, so loading a file twice creates no duplicate task. Drop Data Loader's error*.csv for a "
    "file into this folder: the next Momentum run logs each refused record and writes it again."
)


@dataclass(frozen=True)
class OutboxFile:
    """One file of a run, as the manifest lists it."""

    file: str
    sync: str
    object: str
    operation: str
    """The Data Loader operation: update (matched on Id) or upsert (matched on match_field)."""
    match_field: str
    record_key_column: str
    """The column holding the sync's record key (what an error file is traced back by)."""
    columns: list[str]
    records: int
    model_versions: list[str]


def run_folder(outbox: Path, conn: psycopg.Connection, sync_name: str) -> Path:
    """The current run's folder, found from the sync's running log row: both syncs of a run find the same one."""
    row = conn.execute(
        "select as_of_date, dagster_run_id from reverse_etl.sync_log where sync_name = %s and status = 'running'"
        " order by started_at desc limit 1",
        (sync_name,),
    ).fetchone()
    return outbox / folder_name(*(row or (None, None)))


def folder_name(as_of: date | None, run_id: str | None) -> str:
    """`<as-of date>_run-<first 8 characters of the Dagster run id>`: a second run on the same day gets its own."""
    run = re.sub(r"[^A-Za-z0-9]", "", run_id or "")[:8] or "manual"
    return f"{(as_of or datetime.now(UTC).date()).isoformat()}_run-{run}"


def add_to_manifest(folder: Path, files: list[OutboxFile], as_of_folder: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    with _locked(folder):
        manifest = read_manifest(folder) or {"run": as_of_folder, "how_to_load": HOW_TO_LOAD, "files": {}}
        manifest["files"].update({f.file: asdict(f) for f in files})
        write_text_atomically(folder / MANIFEST, json.dumps(manifest, indent=2, sort_keys=False) + "\n")


def read_manifest(folder: Path) -> dict | None:
    path = folder / MANIFEST
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


@contextmanager
def _locked(folder: Path):
    with (folder / ".manifest.lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def outbox_line(outbox: Path, as_of: date | None, run_id: str, *, run_succeeded: bool) -> str | None:
    """The run summary's line for MOMENTUM_CRM=files: where this run's files are, or that it needed none."""
    folder = outbox / folder_name(as_of, run_id)
    if (folder / MANIFEST).is_file():
        return f"CRM files to load by hand: {folder} ({MANIFEST} says how to load each)"
    if run_succeeded:
        return f"CRM files: none written by this run (no record changed); the outbox is {outbox}"
    return None
