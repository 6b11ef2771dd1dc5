"""Incremental extract from a CRM source (extract/source.py) into its raw schema (extract/layout.py:
`raw_crm` for the demo CRM, `raw_salesforce` for Salesforce).

Each object is streamed with COPY from the source into a temporary table in the
warehouse and merged into `<raw schema>.<object>` by primary key, in one transaction
per object, so a failed object leaves its raw table and watermark as they were.
The watermark is the highest modstamp loaded (`system_modstamp`; Salesforce's `SystemModstamp`).
The next run re-reads rows stamped *at* the watermark (>=, not >): a CRM commits records stamped in the same
second in separate transactions, and the merge makes the overlap harmless.
Rows that cannot be loaded (no id, unparseable value, an older duplicate) are
quarantined in `<raw schema>._rejects` (see extract/quarantine.py), never dropped.

Two bookkeeping columns follow each raw row (docs/ARCHITECTURE.md, "Contracts between stages"):
- `_deleted_at`: the extract compares the CRM's current ids (CrmSource.copy_ids) with the raw
  table's and stamps the rows whose id is gone; a row whose id comes back is cleared.
- `_newer_version_rejected`: the reject reason when the CRM's newer version of this record was
  quarantined; the raw row is then the last good version, not the record's current state, and
  staging says so (the deal is not scored from it until the CRM fixes the value).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

import psycopg
from psycopg import sql

from extract.deletions import DELETED_AT, mark_deletions
from extract.layout import RawLayout
from extract.objects import CrmObject
from extract.quarantine import DUPLICATE_ID, classify_incoming, quarantine_rejects, rejects_ddl
from extract.source import CrmSource
from warehouse.schemas import ensure_schema

STATE_TABLE = "_extract_state"
NEWER_VERSION_REJECTED = "_newer_version_rejected"
# Columns the extract adds to every raw table; the CRM's own fields are the rest.
BOOKKEEPING_COLUMNS = {
    "_extracted_at": "timestamptz",
    DELETED_AT: "timestamptz",
    NEWER_VERSION_REJECTED: "text",
}


@dataclass(frozen=True)
class ObjectExtract:
    object_name: str
    received: int
    loaded: int
    high_watermark: datetime | None
    rejected: int = 0
    # Columns the raw table has but this extract did not receive (dropped or renamed in the CRM).
    missing_columns: tuple[str, ...] = ()
    absent: bool = False  # an optional object this CRM does not have: nothing extracted
    deleted: int = 0  # raw rows whose id left the CRM in this run (stamped _deleted_at)
    restored: int = 0  # raw rows marked deleted whose id is back in the CRM
    held: int = 0  # raw rows kept as last good version because the CRM's newer version was quarantined


def extract_crm(
    source: CrmSource,
    warehouse_url: str,
    *,
    objects: tuple[CrmObject, ...] | None = None,
    full_refresh: bool = False,
    run_id: str = "",
) -> list[ObjectExtract]:
    """Copy new and changed records of every object of the source's layout (or of `objects`) into the
    layout's raw schema; per object: received = loaded + rejected."""
    run_id = run_id or uuid.uuid4().hex
    layout = source.layout
    # Timestamps without an offset (a CSV export's "2026-03-02 14:05:00") are the CRM's UTC.
    with source, psycopg.connect(warehouse_url, autocommit=True, options="-c timezone=UTC") as warehouse:
        _ensure_state_table(warehouse, layout.schema)
        _ensure_state_counts(warehouse, layout.schema)
        return [
            _extract_object(source, warehouse, layout, crm_object, full_refresh, run_id)
            for crm_object in (objects if objects is not None else layout.objects)
        ]


def _extract_object(
    source: CrmSource, warehouse, layout: RawLayout, crm_object: CrmObject, full_refresh: bool, run_id: str
) -> ObjectExtract:
    schema = layout.schema
    columns = source.columns(crm_object.name)
    if not columns:
        if crm_object.optional:
            return ObjectExtract(crm_object.name, 0, 0, None, absent=True)
        raise LookupError(f"CRM object {crm_object.name} not found in {source.name}: nothing to extract")
    source_names = {name for name, _ in columns}
    for required in (crm_object.primary_key, crm_object.modstamp):
        if required not in source_names:
            raise LookupError(
                f"{crm_object.name} in {source.name} has no field {required}: cannot extract it"
            )
    raw_table = sql.Identifier(schema, crm_object.name)
    _ensure_raw_table(warehouse, schema, crm_object.name, columns, full_refresh)
    raw_types = dict(_raw_columns(warehouse, schema, crm_object.name))
    missing = tuple(
        name for name in raw_types if name not in source_names and name not in BOOKKEEPING_COLUMNS
    )
    # A column whose source type differs from the raw table's (the raw table is the contract once it
    # exists) is staged as text and parsed row by row; identical types travel as they are. A source whose
    # values arrive as text (export files: `values_as_text`) has every typed column parsed row by row, so a
    # value that does not parse is quarantined with its reason instead of failing the object's COPY.
    values_as_text = getattr(source, "values_as_text", False)
    typed_checks = {
        name: raw_types[name]
        for name, data_type in columns
        if raw_types[name] != "text" and (values_as_text or data_type != raw_types[name])
    }
    staged = {name: ("text" if name in typed_checks else data_type) for name, data_type in columns}
    watermark = None if full_refresh else _watermark(warehouse, schema, crm_object.name)

    column_list = sql.SQL(", ").join(sql.Identifier(name) for name, _ in columns)
    typed = sql.SQL(", ").join(
        sql.SQL("{}::{}").format(sql.Identifier(name), sql.SQL(raw_types[name]))
        if name in typed_checks
        else sql.Identifier(name)
        for name, _ in columns
    )

    with warehouse.transaction():
        warehouse.execute(
            sql.SQL(
                "create temp table incoming ({}, _source_row bigint generated always as identity, "
                "_reject_reason text) on commit drop"
            ).format(
                sql.SQL(", ").join(
                    sql.SQL("{} {}").format(sql.Identifier(name), sql.SQL(staged[name]))
                    for name, _ in columns
                )
            )
        )
        received = _copy_in(
            source.copy_rows(crm_object.name, [n for n, _ in columns], watermark), warehouse, column_list
        )
        classify_incoming(
            warehouse,
            crm_object.primary_key,
            crm_object.modstamp,
            typed_checks,
            raw_types={name: raw_types[name] for name, _ in columns},
            money_columns=crm_object.money_columns,
        )
        rejected = quarantine_rejects(warehouse, schema, crm_object.name, run_id)
        key = sql.Identifier(crm_object.primary_key)
        warehouse.execute(
            sql.SQL(
                "delete from {raw} r using incoming i where i._reject_reason is null and r.{key} = i.{key}::{type}"
            ).format(raw=raw_table, key=key, type=sql.SQL(raw_types[crm_object.primary_key]))
        )
        loaded = warehouse.execute(
            sql.SQL(
                "insert into {raw} ({cols}, _extracted_at) select {typed}, now() from incoming "
                "where _reject_reason is null"
            ).format(raw=raw_table, cols=column_list, typed=typed)
        ).rowcount
        held = _hold_rows_whose_update_was_rejected(warehouse, raw_table, key)
        deleted, restored = mark_deletions(source, warehouse, crm_object, raw_table)
        new_watermark = warehouse.execute(
            sql.SQL("select max({modstamp}) from {raw}").format(
                modstamp=sql.Identifier(crm_object.modstamp), raw=raw_table
            )
        ).fetchone()[0]
        warehouse.execute(
            sql.SQL(
                "insert into {state} (object_name, high_watermark, last_received, last_loaded, last_rejected, "
                "missing_columns, last_deleted, last_restored, last_held, last_extracted_at) "
                "values (%s, %s, %s, %s, %s, %s, %s, %s, %s, now()) "
                "on conflict (object_name) do update set high_watermark = excluded.high_watermark, "
                "last_received = excluded.last_received, last_loaded = excluded.last_loaded, "
                "last_rejected = excluded.last_rejected, missing_columns = excluded.missing_columns, "
                "last_deleted = excluded.last_deleted, last_restored = excluded.last_restored, "
                "last_held = excluded.last_held, last_extracted_at = excluded.last_extracted_at"
            ).format(state=sql.Identifier(schema, STATE_TABLE)),
            (
                crm_object.name,
                new_watermark,
                received,
                loaded,
                rejected,
                list(missing),
                deleted,
                restored,
                held,
            ),
        )
    if received != loaded + rejected:  # the invariant every caller relies on; never expected to fire
        raise RuntimeError(f"{crm_object.name}: received {received} != loaded {loaded} + rejected {rejected}")
    if loaded:
        # Fresh statistics: without them the planner guesses a few dozen rows for a first load of thousands
        # and picks nested loops in the dbt models that read these tables.
        warehouse.execute(sql.SQL("analyze {}").format(raw_table))
    return ObjectExtract(
        crm_object.name,
        received,
        loaded,
        new_watermark,
        rejected,
        missing,
        deleted=deleted,
        restored=restored,
        held=held,
    )


def _hold_rows_whose_update_was_rejected(warehouse, raw_table: sql.Composable, key: sql.Composable) -> int:
    """Mark the raw rows whose CRM record changed into a version that was quarantined in this run.

    The raw row stays (it is the last good version, and history reads it), but it is no longer the
    record's state: scoring a deal from it would present yesterday's amount as today's. The mark goes
    away when a valid version loads (the merge replaces the row). Older duplicates are not a newer
    version. Returns how many rows are held."""
    warehouse.execute(
        sql.SQL(
            "update {raw} r set {held} = i._reject_reason from incoming i "
            "where i._reject_reason is not null and i._reject_reason <> {duplicate} "
            "and r.{key}::text = i.{key}::text and r.{held} is distinct from i._reject_reason"
        ).format(
            raw=raw_table,
            held=sql.Identifier(NEWER_VERSION_REJECTED),
            key=key,
            duplicate=sql.Literal(DUPLICATE_ID),
        )
    )
    return warehouse.execute(
        sql.SQL("select count(*) from {raw} where {held} is not null").format(
            raw=raw_table, held=sql.Identifier(NEWER_VERSION_REJECTED)
        )
    ).fetchone()[0]


def _copy_in(blocks, warehouse, column_list: sql.Composable) -> int:
    """COPY the source's blocks into `incoming` as they arrive; returns the rows received."""
    with (
        warehouse.cursor() as cursor,
        cursor.copy(sql.SQL("copy incoming ({}) from stdin").format(column_list)) as copy,
    ):
        for block in blocks:
            copy.write(block)
    return warehouse.execute("select count(*) from incoming").fetchone()[0]


def _raw_columns(warehouse, schema: str, table: str) -> list[tuple[str, str]]:
    return warehouse.execute(
        "select a.attname, format_type(a.atttypid, a.atttypmod) from pg_attribute a "
        "where a.attrelid = to_regclass(format('%%I.%%I', %s::text, %s::text)) and a.attnum > 0 "
        "and not a.attisdropped order by a.attnum",
        (schema, table),
    ).fetchall()


def _ensure_raw_table(
    warehouse, schema: str, name: str, columns: list[tuple[str, str]], full_refresh: bool
) -> None:
    raw_table = sql.Identifier(schema, name)
    with warehouse.transaction():
        definitions = sql.SQL(", ").join(
            sql.SQL("{} {}").format(sql.Identifier(column), sql.SQL(data_type))
            for column, data_type in columns
        )
        warehouse.execute(
            sql.SQL("create table if not exists {} ({}, _extracted_at timestamptz not null)").format(
                raw_table, definitions
            )
        )
        for column, data_type in BOOKKEEPING_COLUMNS.items():  # tables extracted before they existed
            warehouse.execute(
                sql.SQL("alter table {} add column if not exists {} {}").format(
                    raw_table, sql.Identifier(column), sql.SQL(data_type)
                )
            )
        # A column the CRM added since the last run is added to the raw table, never dropped.
        for column, data_type in columns:
            warehouse.execute(
                sql.SQL("alter table {} add column if not exists {} {}").format(
                    raw_table, sql.Identifier(column), sql.SQL(data_type)
                )
            )
        if full_refresh:
            # Emptied, not dropped: dbt's staging views depend on the table and dbt rebuilds after us.
            warehouse.execute(sql.SQL("truncate {}").format(raw_table))


def _ensure_state_table(warehouse, schema: str) -> None:
    with warehouse.transaction():
        ensure_schema(warehouse, schema)
        warehouse.execute(
            sql.SQL(
                "create table if not exists {} (object_name text primary key, high_watermark timestamptz, "
                "last_received bigint not null, last_extracted_at timestamptz not null)"
            ).format(sql.Identifier(schema, STATE_TABLE))
        )
        # Added later: warehouses extracted before quarantine existed get them on their next run.
        warehouse.execute(
            sql.SQL(
                "alter table {} add column if not exists last_loaded bigint, "
                "add column if not exists last_rejected bigint, add column if not exists missing_columns text[]"
            ).format(sql.Identifier(schema, STATE_TABLE))
        )
        warehouse.execute(rejects_ddl(schema))


def _ensure_state_counts(warehouse, schema: str) -> None:
    """The deletion and hold counts of <raw schema>._extract_state (added after the table existed)."""
    warehouse.execute(
        sql.SQL(
            "alter table {} add column if not exists last_deleted bigint, "
            "add column if not exists last_restored bigint, add column if not exists last_held bigint"
        ).format(sql.Identifier(schema, STATE_TABLE))
    )


def _watermark(warehouse, schema: str, object_name: str) -> datetime | None:
    row = warehouse.execute(
        sql.SQL("select high_watermark from {} where object_name = %s").format(
            sql.Identifier(schema, STATE_TABLE)
        ),
        (object_name,),
    ).fetchone()
    return row[0] if row else None
