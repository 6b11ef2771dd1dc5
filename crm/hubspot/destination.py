"""HubSpot as a reverse-ETL destination (reverse_etl.destination.Destination), through its CRM v3 API.

The engine stages the changed records in the warehouse (reverse_etl/api_stage.py); this destination sends them in
batches of 100: deal properties as batch updates by id, TMVA tasks as batch upserts on the unique property
`ai_external_id` (idempotent, so a retried or re-sent batch never duplicates a task) followed by their default
associations with the deal and the contact (batch upsert takes none), and the retire step (Momentum's open tasks
that left the payload -> DEFERRED) as updates. A record HubSpot refuses (207) is logged with HubSpot's own message
and offered again by the next run; sync state is recorded batch by batch for what HubSpot confirmed only
(reverse_etl/write_journal.py makes that crash-safe).

Before anything is written: every property the mapping sends must be in the portal's properties (else one error
names them with their types and `momentum crm setup --create`), and the planned API calls must fit the sync's
ceiling and the portal's remaining daily budget.

Rules kept as for the other destinations: a null never overwrites a value (the property is left out) except in a
mapping's `clear_when_absent` fields (sent as "", HubSpot's clear); a task a rep completed is left alone. HubSpot
has one DEFERRED status for a task Momentum withdrew and one a rep put aside (write_fields.py), so both count as
Momentum's Expired.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping

import psycopg

from crm.hubspot.errors import HubSpotPropertiesMissing
from crm.hubspot.portal_writer import BATCH_SIZE, PortalWriter, RecordResult
from crm.hubspot.write_fields import OBJECTS, WriteProperty, mapped_properties, object_properties
from reverse_etl import write_journal as journal
from reverse_etl.api_stage import WarehouseStage, chunks
from reverse_etl.destination import WriteCounts
from reverse_etl.mapping import Mapping as SyncMapping

log = logging.getLogger(__name__)

SETUP_HINT = (
    "run `momentum crm setup --check`, then `momentum crm setup --create` (or create them in HubSpot)"
)


class HubSpotDestination(WarehouseStage):
    def __init__(self, conn: psycopg.Connection, mapping: SyncMapping, portal: PortalWriter):
        self.conn = conn
        self.mapping = mapping
        self.portal = portal
        self.object_type = object_properties(mapping).object_type
        fields = mapped_properties(mapping)
        self.key_field = fields[0]
        self.properties = [f for f in fields[1:] if not f.association]
        self.associations = [f for f in fields[1:] if f.association]
        present = portal.property_names(self.object_type)
        missing = [f for f in fields if f.kind != "id" and not f.association and f.name not in present]
        if missing:
            raise HubSpotPropertiesMissing(
                f"HubSpot {self.object_type} lacks properties sync {mapping.name} writes, so nothing was written: "
                + ", ".join(f"{f.name} ({f.type_label})" for f in missing)
                + f"; {SETUP_HINT}"
            )
        status = self.mapping.writable_when or self.mapping.retire_missing
        self.status = object_properties(mapping).fields[status.column] if status else None

    # --- dry run ---------------------------------------------------------------------------------------
    def count_writes(self) -> WriteCounts:
        staged = list(self._staged())
        if self.mapping.operation == "update":
            return WriteCounts(updated=len(staged))
        existing = self._existing_tasks([r["record_key"] for r in staged])
        to_send = [r for r in staged if self._writable(existing.get(r["record_key"]))]
        inserted = sum(1 for r in to_send if r["record_key"] not in existing)
        return WriteCounts(inserted, len(to_send) - inserted, len(self._stale()))

    def sample(self, limit: int = 5) -> tuple[dict, ...]:
        """Staged records beside the portal's current values, read 100 records a call."""
        staged = list(self._staged())[:limit]
        id_property = self.key_field.name if self.mapping.operation == "upsert" else None
        current = self.portal.read(
            self.object_type,
            [r["record_key"] for r in staged],
            [f.name for f in self.properties],
            id_property,
        )
        records = []
        for row in staged:
            old = current.get(row["record_key"], {})
            changes = {
                f.momentum: (old.get(f.name), value)
                for f in self.properties
                if not f.same(old.get(f.name), value := f.value(row[f.momentum]))
                and (value is not None or f.momentum in self.mapping.clear_when_absent)
            }
            records.append(
                {"record_key": row["record_key"], "action": "update" if old else "insert", "changes": changes}
            )
        return tuple(records)

    # --- write -----------------------------------------------------------------------------------------
    def write(self) -> WriteCounts:
        with self._writer_connection() as writer_conn:
            journal.open_journal(writer_conn, self.mapping.name)
            staged = list(self._staged())
            upsert = self.mapping.operation == "upsert"
            existing = self._existing_tasks([r["record_key"] for r in staged]) if upsert else {}
            to_send = [r for r in staged if self._writable(existing.get(r["record_key"]))]
            stale = self._stale() if self.mapping.retire_missing else []
            batches = math.ceil(len(to_send) / BATCH_SIZE) * (1 + len(self.associations))
            self.portal.check_budget(self.mapping.name, batches + math.ceil(len(stale) / BATCH_SIZE))
            inserted, updated, failures = self._send(writer_conn, to_send)
            retired, retire_failures = self._retire(stale)
        log.info("sync %s used %s HubSpot API calls", self.mapping.name, self.portal.calls_used())
        return WriteCounts(inserted, updated, retired, failures=tuple(failures + retire_failures))

    def _send(
        self, writer_conn: psycopg.Connection, rows: list[dict]
    ) -> tuple[int, int, list[tuple[str, str]]]:
        def send(batch: list[dict]) -> list[RecordResult]:
            inputs = [{"id": row["record_key"], "properties": self._properties(row)} for row in batch]
            if self.mapping.operation == "upsert":
                results = self.portal.upsert(self.object_type, self.key_field.name, inputs)
                results = self._associate(batch, results)
            else:
                results = self.portal.update(self.object_type, inputs)
            return [results[row["record_key"]] for row in batch]

        return journal.send_journalled(
            writer_conn, self.mapping.name, self.mapping.operation, rows, BATCH_SIZE, send
        )

    def _associate(self, batch: list[dict], results: dict[str, RecordResult]) -> dict[str, RecordResult]:
        """Each upserted task's deal and contact; a task whose association HubSpot refused is not confirmed, so
        the next run upserts (unchanged) and associates it again."""
        refused: dict[str, str] = {}
        for field in self.associations:
            pairs = [
                (results[row["record_key"]].hubspot_id, row[field.momentum])
                for row in batch
                if results[row["record_key"]].success and row[field.momentum]
            ]
            refused |= self.portal.associate(self.object_type, field.name, pairs)
        by_id = {result.hubspot_id: key for key, result in results.items() if result.success}
        if any(task_id not in by_id for task_id in refused):
            # A refusal naming no task of the batch: none of its associations is known to be made.
            reason = "; ".join(sorted(set(refused.values())))
            return {key: RecordResult(False, error=reason) for key in results}
        return results | {
            by_id[task_id]: RecordResult(False, error=reason) for task_id, reason in refused.items()
        }

    def _retire(self, stale: list[tuple[str, str]]) -> tuple[int, list[tuple[str, str]]]:
        """Expire Momentum's open tasks that left today's payload (updates by id: safe to repeat)."""
        rule = self.mapping.retire_missing
        retired, failures = 0, []
        for batch in chunks(stale, BATCH_SIZE):
            inputs = [
                {"id": task_id, "properties": {self.status.name: self.status.value(rule.to_value)}}
                for _, task_id in batch
            ]
            results = self.portal.update(self.object_type, inputs)
            for external_id, task_id in batch:
                if results[task_id].success:
                    retired += 1
                else:
                    failures.append((external_id, f"retiring the task: {results[task_id].error}"))
        return retired, failures

    # --- helpers ---------------------------------------------------------------------------------------
    def _properties(self, row: dict) -> dict[str, str]:
        """The record's properties as HubSpot takes them; a null is left out (never a null over a value) unless
        the field is one Momentum owns outright (clear_when_absent), which "" clears."""
        properties = {}
        for field in self.properties:
            value = field.value(row[field.momentum])
            if value is not None:
                properties[field.name] = value
            elif field.momentum in self.mapping.clear_when_absent:
                properties[field.name] = ""
        return properties

    def _existing_tasks(self, keys: list[str]) -> dict[str, dict]:
        """Momentum's tasks in the portal among `keys`: external id -> {"id", status property}."""
        return self.portal.read(self.object_type, keys, [self.status.name], self.key_field.name)

    def _writable(self, existing: dict | None) -> bool:
        rule = self.mapping.writable_when
        if existing is None or rule is None:
            return True
        return existing.get(self.status.name) in {self.status.value(v) for v in rule.values}

    def _stale(self) -> list[tuple[str, str]]:
        """(external id, HubSpot id) of Momentum's tasks in a retirable status whose key left today's payload."""
        rule = self.mapping.retire_missing
        if rule is None:
            return []
        filters = [{"propertyName": self.key_field.name, "operator": "HAS_PROPERTY"}]
        open_tasks = []
        for status in sorted({self.status.value(v) for v in rule.from_values}):
            status_filter = {"propertyName": self.status.name, "operator": "EQ", "value": status}
            open_tasks += self.portal.search(
                self.object_type, [*filters, status_filter], [self.key_field.name]
            )
        in_payload = self._payload_keys()
        return sorted(
            (task[self.key_field.name], task["id"])
            for task in open_tasks
            if task[self.key_field.name] not in in_payload
        )


def open_hubspot_destination(
    conn: psycopg.Connection, mapping: SyncMapping, *, credentials: Mapping[str, str]
) -> HubSpotDestination:
    """The DestinationFactory for MOMENTUM_CRM=hubspot (crm/connectors.py)."""
    portal = PortalWriter(credentials)
    return HubSpotDestination(conn, mapping, portal)


def required_properties(mappings: list[SyncMapping]) -> dict[str, list[WriteProperty]]:
    """Every HubSpot property Momentum's syncs write, per object type (for `momentum crm setup`); syncs of objects
    Momentum does not write to HubSpot are left out."""
    needed: dict[str, dict[str, WriteProperty]] = {}
    for mapping in mappings:
        if mapping.object not in OBJECTS:
            continue
        fields = [f for f in mapped_properties(mapping) if f.kind != "id" and not f.association]
        needed.setdefault(object_properties(mapping).object_type, {}).update({f.name: f for f in fields})
    return {name: list(fields.values()) for name, fields in needed.items()}
