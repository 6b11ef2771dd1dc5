"""Salesforce Data Loader files as a reverse-ETL destination (reverse_etl.destination.Destination), for
MOMENTUM_CRM=files: the same engine (diff-only, allow-list, guard, dry run, sync log) writes CSV files a user
loads by hand instead of API calls.

Per sync and run, in the run's outbox folder (outbox.py): the opportunity fields as an Update file keyed by `Id`;
TMVA tasks as an Upsert file keyed by the external id `AI_External_Id__c` (loading it twice creates no duplicate),
and Momentum's Open tasks that left the payload as an Update file setting Status to Expired. Column names and
types come from the API destination's field table (crm/salesforce/write_fields.py).

A file written counts as sent: the engine records sync state as it does for any destination. Data Loader's
answers come back when the user drops its error*.csv into the run's folder (load_results.py): the next run logs
each refused record and sends it again. The CRM's current state (which tasks a rep owns, which are Open) is the
latest export's, loaded by the same morning's extract (export_state.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg

from crm.salesforce.data_loader import export_state
from crm.salesforce.data_loader.csv_file import cell, write_atomically
from crm.salesforce.data_loader.load_results import refused_records
from crm.salesforce.data_loader.outbox import OutboxFile, add_to_manifest, run_folder
from crm.salesforce.staged_records import StagedRecords
from crm.salesforce.write_fields import mapped_fields, object_fields
from reverse_etl.destination import WriteCounts
from reverse_etl.mapping import Mapping as SyncMapping

MODEL_VERSION = "ai_model_version"


class DataLoaderFilesDestination(StagedRecords):
    def __init__(self, conn: psycopg.Connection, mapping: SyncMapping, outbox: Path):
        self.conn = conn
        self.mapping = mapping
        self.outbox = outbox
        self.sobject = object_fields(mapping).api_name
        self.fields = mapped_fields(mapping)
        self.key_field = self.fields[0]

    def mark_failures(self) -> list[tuple[str, str]]:
        return []  # Salesforce judges each record when the user loads the file; error files bring its answers

    # --- dry run ---------------------------------------------------------------------------------------
    def count_writes(self) -> WriteCounts:
        to_send, existing, stale = self._plan()
        inserted = sum(
            1 for r in to_send if self.mapping.operation == "upsert" and r["record_key"] not in existing
        )
        return WriteCounts(inserted, len(to_send) - inserted, len(stale))

    def sample(self, limit: int = 5) -> tuple[dict, ...]:
        """Staged records beside the values the latest export shows."""
        rows = list(self._staged())[:limit]
        names = [f.api_name for f in self.fields[1:]]
        current = export_state.current_values(
            self.conn, self.sobject, self.key_field.api_name, [r["record_key"] for r in rows], names
        )
        records = []
        for row in rows:
            old = current.get(row["record_key"])
            changes = {
                f.momentum: ((old or {}).get(f.api_name), value)
                for f in self.fields[1:]
                if (value := row[f.momentum]) != (old or {}).get(f.api_name)
                and (value is not None or f.momentum in self.mapping.clear_when_absent)
            }
            action = "update" if old is not None or self.mapping.operation == "update" else "insert"
            records.append({"record_key": row["record_key"], "action": action, "changes": changes})
        return tuple(records)

    # --- write -----------------------------------------------------------------------------------------
    def write(self) -> WriteCounts:
        to_send, existing, stale = self._plan()
        if not to_send and not stale:
            return WriteCounts()  # nothing to load: no file, no folder
        folder = run_folder(self.outbox, self.conn, self.mapping.name)
        files = []
        if to_send:
            files.append(self._write_records(folder, to_send))
        if stale:
            files.append(self._write_retired(folder, stale))
        add_to_manifest(folder, files, folder.name)
        inserted = sum(
            1 for r in to_send if self.mapping.operation == "upsert" and r["record_key"] not in existing
        )
        return WriteCounts(inserted, len(to_send) - inserted, len(stale))

    def _plan(self) -> tuple[list[dict], dict[str, tuple[str, str]], list[tuple[str, str]]]:
        """(records to write, Momentum's tasks in the export, (external id, Id) of the tasks to retire)."""
        staged = list(self._staged())
        # Only tasks are read back from the export: a Momentum forecast record is upserted on its external id alone.
        upserts_tasks = self.mapping.operation == "upsert" and self.sobject == "Task"
        existing = export_state.momentum_tasks(self.conn) if upserts_tasks else {}
        to_send = [r for r in staged if self._writable(existing.get(r["record_key"]))]
        return to_send, existing, self._stale(existing) if self.mapping.retire_missing else []

    def _write_records(self, folder: Path, rows: list[dict]) -> OutboxFile:
        operation = self.mapping.operation
        name = f"{self.mapping.name}-{self.sobject}-{operation}.csv"
        header = [f.api_name for f in self.fields]
        clears = set(self.mapping.clear_when_absent)
        lines = (
            [
                row["record_key"],
                *(cell(f, row[f.momentum], clears=f.momentum in clears) for f in self.fields[1:]),
            ]
            for row in rows
        )
        count = write_atomically(folder / name, header, lines)
        versions = sorted({r[MODEL_VERSION] for r in rows if r.get(MODEL_VERSION)})
        key = self.key_field.api_name
        return OutboxFile(name, self.mapping.name, self.sobject, operation, key, key, header, count, versions)

    def _write_retired(self, folder: Path, stale: list[tuple[str, str]]) -> OutboxFile:
        """Momentum's Open tasks that left today's payload, set to Expired by Id (the external id rides along, so
        an error file traces back to the sync's record)."""
        rule = self.mapping.retire_missing
        fields = object_fields(self.mapping)
        status = fields.field(rule.column, self.mapping.name).api_name
        external_id = self.key_field.api_name
        name = f"{self.mapping.name}-{self.sobject}-retire-update.csv"
        header = ["Id", external_id, status]
        count = write_atomically(
            folder / name, header, ([task_id, key, rule.to_value] for key, task_id in stale)
        )
        return OutboxFile(
            name, self.mapping.name, self.sobject, "update", "Id", external_id, header, count, []
        )


class DataLoaderOutbox:
    """The DestinationFactory for MOMENTUM_CRM=files (crm/connectors.py), which also hands the engine the records
    Data Loader refused (reverse_etl.destination.ReturnsLoadResults)."""

    def __init__(self, outbox: Path):
        self.outbox = outbox

    def __call__(self, conn: psycopg.Connection, mapping: SyncMapping) -> DataLoaderFilesDestination:
        return DataLoaderFilesDestination(conn, mapping, self.outbox)

    @contextmanager
    def refused_records(self, mapping: SyncMapping) -> Iterator[list[tuple[str, str]]]:
        with refused_records(self.outbox, mapping.name) as refused:
            yield refused
