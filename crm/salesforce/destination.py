"""Salesforce as a reverse-ETL destination (reverse_etl.destination.Destination), through its API.

The engine stages the changed records in the warehouse (session temp tables, as for the demo CRM); this
destination reads them and sends them in collections of 200: opportunity fields as updates by id, TMVA
tasks as upserts on the external-id field `AI_External_Id__c` (idempotent, so a retried or re-sent batch
never duplicates a task), and the retire step (Momentum's Open tasks that left the payload -> Expired) as
updates. Each record's answer comes back from `write`: a record Salesforce rejects is logged with
Salesforce's own message and offered again by the next run, and sync state is recorded batch by batch for
what Salesforce confirmed only (reverse_etl/write_journal.py makes that crash-safe).

Before anything is written: every field the mapping sends must be in the org's describe (else one error
names the missing fields and `momentum crm setup --check`), and the planned API calls must fit the sync's
ceiling and the org's remaining daily budget.

Rules kept as for the demo CRM: a null never overwrites a value (the field is left out of the record)
except in a mapping's `clear_when_absent` fields; a task a rep completed or dismissed (status outside
`writable_when`) is left alone.
"""

from __future__ import annotations

import contextlib
import logging
import math
from collections.abc import Mapping

import psycopg

from crm.salesforce.errors import SalesforceFieldMissing
from crm.salesforce.org_writer import COLLECTION_SIZE, OrgWriter
from crm.salesforce.staged_records import StagedRecords
from crm.salesforce.write_fields import WriteField, mapped_fields, object_fields
from reverse_etl import write_journal as journal
from reverse_etl.api_stage import chunks
from reverse_etl.destination import WriteCounts
from reverse_etl.mapping import Mapping as SyncMapping

log = logging.getLogger(__name__)

SETUP_HINT = "run `momentum crm setup --check` (and --write-package DIR for the admin)"


class SalesforceFieldsMissing(SalesforceFieldMissing):
    """The org lacks fields a sync writes: nothing was written."""


class SalesforceDestination(StagedRecords):
    def __init__(self, conn: psycopg.Connection, mapping: SyncMapping, org: OrgWriter):
        self.conn = conn
        self.mapping = mapping
        self.org = org
        self.sobject = object_fields(mapping).api_name
        self.fields = mapped_fields(mapping)
        self.key_field = self.fields[0]
        present = org.field_names(self.sobject)
        if not present and self.sobject.endswith("__c"):
            raise SalesforceFieldsMissing(
                f"Salesforce has no {self.sobject} object (Momentum's own, for sync {mapping.name}), so nothing was "
                f"written; {SETUP_HINT}"
            )
        missing = [f for f in self.fields if f.api_name not in present]
        if missing:
            raise SalesforceFieldsMissing(
                f"Salesforce {self.sobject} lacks fields sync {mapping.name} writes, so nothing was written: "
                + ", ".join(f"{f.api_name} ({f.type_label})" for f in missing)
                + f"; {SETUP_HINT}"
            )

    # --- dry run ---------------------------------------------------------------------------------------
    def count_writes(self) -> WriteCounts:
        staged = list(self._staged())
        if self.mapping.operation == "update":
            return WriteCounts(updated=len(staged))
        existing = self._momentum_records()
        to_send = [r for r in staged if self._writable(existing.get(r["record_key"]))]
        inserted = sum(1 for r in to_send if r["record_key"] not in existing)
        return WriteCounts(inserted, len(to_send) - inserted, len(self._stale(existing)))

    def sample(self, limit: int = 5) -> tuple[dict, ...]:
        """Staged records beside the org's current values. A dry run asks for every changed record (to count
        changes per field), so the org is read 200 records a query, not one query a record."""
        key_field = self.key_field.api_name
        names = ", ".join(dict.fromkeys([key_field, *(f.api_name for f in self.fields[1:])]))
        records = []
        for rows in chunks(list(self._staged())[:limit], COLLECTION_SIZE):
            keys = ", ".join(f"'{_quoted(row['record_key'])}'" for row in rows)
            current = {
                found[key_field]: found
                for found in self.org.query(
                    f"SELECT {names} FROM {self.sobject} WHERE {key_field} IN ({keys})"
                )
            }
            for row in rows:
                old = current.get(row["record_key"], {})
                changes = {
                    f.momentum: (old.get(f.api_name), value)
                    for f in self.fields[1:]
                    if (value := f.json_value(row[f.momentum])) != old.get(f.api_name)
                    and (value is not None or f.momentum in self.mapping.clear_when_absent)
                }
                records.append(
                    {
                        "record_key": row["record_key"],
                        "action": "update" if old else "insert",
                        "changes": changes,
                    }
                )
        return tuple(records)

    # --- write -----------------------------------------------------------------------------------------
    def write(self) -> WriteCounts:
        writer_conn = self._writer_connection()
        with writer_conn, contextlib.closing(self.org):
            journal.open_journal(writer_conn, self.mapping.name)
            staged = list(self._staged())
            existing = self._momentum_records() if self.mapping.operation == "upsert" else {}
            to_send = [r for r in staged if self._writable(existing.get(r["record_key"]))]
            stale = self._stale(existing) if self.mapping.retire_missing else []
            batches = math.ceil(len(to_send) / COLLECTION_SIZE) + math.ceil(len(stale) / COLLECTION_SIZE)
            self.org.check_budget(self.mapping.name, batches)
            inserted, updated, failures = self._send(writer_conn, to_send)
            retired, retire_failures = self._retire(stale)
        return WriteCounts(inserted, updated, retired, failures=tuple(failures + retire_failures))

    def _send(
        self, writer_conn: psycopg.Connection, rows: list[dict]
    ) -> tuple[int, int, list[tuple[str, str]]]:
        def send(batch: list[dict]) -> list:
            records = [self._record(row) for row in batch]
            if self.mapping.operation == "upsert":
                return self.org.upsert(self.sobject, self.key_field.api_name, records)
            return self.org.update(self.sobject, records)

        return journal.send_journalled(
            writer_conn, self.mapping.name, self.mapping.operation, rows, COLLECTION_SIZE, send
        )

    def _retire(self, stale: list[tuple[str, str]]) -> tuple[int, list[tuple[str, str]]]:
        """Expire Momentum's open tasks that left today's payload (updates by id: safe to repeat)."""
        rule = self.mapping.retire_missing
        status = object_fields(self.mapping).field(rule.column, self.mapping.name).api_name if rule else ""
        retired, failures = 0, []
        for batch in chunks(stale, COLLECTION_SIZE):
            results = self.org.update(
                self.sobject, [{"id": task_id, status: rule.to_value} for _, task_id in batch]
            )
            for (external_id, _), result in zip(batch, results, strict=True):
                if result.success:
                    retired += 1
                else:
                    failures.append((external_id, f"retiring the task: {result.error}"))
        return retired, failures

    # --- helpers ---------------------------------------------------------------------------------------
    def _record(self, row: dict) -> dict:
        """The record as the API takes it; a null is left out (never a null over a value) unless the field is
        one Momentum owns outright (clear_when_absent), which the null clears."""
        key = self.key_field
        record = {"id" if key.api_name == "Id" else key.api_name: row["record_key"]}
        for field in self.fields[1:]:
            value = field.json_value(row[field.momentum])
            if value is not None or field.momentum in self.mapping.clear_when_absent:
                record[field.api_name] = value
        return record

    def _momentum_records(self) -> dict[str, tuple[str, str | None]]:
        """Momentum's records of an upserted object in the org: external id -> (Id, status), the status read only
        when a rule needs it (tasks: writable_when, retire_missing; a Momentum forecast has none)."""
        key = self.key_field.api_name
        rule = self.mapping.writable_when or self.mapping.retire_missing
        status = object_fields(self.mapping).field(rule.column, self.mapping.name).api_name if rule else None
        names = ", ".join(["Id", key, *([status] if status else [])])
        rows = self.org.query(f"SELECT {names} FROM {self.sobject} WHERE {key} != null")
        return {row[key]: (row["Id"], row[status] if status else None) for row in rows}


def open_salesforce_destination(
    conn: psycopg.Connection, mapping: SyncMapping, *, credentials: Mapping[str, str]
) -> SalesforceDestination:
    """The DestinationFactory for MOMENTUM_CRM=salesforce (crm/connectors.py)."""
    return SalesforceDestination(conn, mapping, OrgWriter(credentials))


def _quoted(value: str) -> str:
    return value.replace("\\", "\\\\").replace("'", "\\'")


def required_fields(mappings: list[SyncMapping]) -> dict[str, list[WriteField]]:
    """Every Salesforce field Momentum's syncs write, per object (for `momentum crm setup --check`)."""
    needed: dict[str, dict[str, WriteField]] = {}
    for mapping in mappings:
        fields = mapped_fields(mapping)
        needed.setdefault(object_fields(mapping).api_name, {}).update({f.api_name: f for f in fields})
    return {name: list(fields.values()) for name, fields in needed.items()}
