"""The demo CRM (PostgreSQL schema `crm`) as a reverse-ETL destination.

Changed records arrive by COPY in the session temp table `_retl_stage`, every field as text, and
are checked against the destination's column types with pg_input_is_valid (PostgreSQL 16), so one
bad value fails one record instead of the run. Each object is then written with one set-based
statement. Every written record gets system_modstamp = now(), as a real CRM stamps it, and the
extract reads that stamp incrementally. Callers own the transaction.
"""

from __future__ import annotations

import psycopg
from psycopg import sql

from crm.demo import destination_checks as checks
from crm.demo import destination_sql as q
from reverse_etl.destination import WriteCounts
from reverse_etl.mapping import Mapping, MappingError


class DemoCrmDestination:
    """One mapping's write into the demo CRM over `conn` (reverse_etl.destination.Destination)."""

    stage_table = q.STAGE
    keys_table = q.KEYS

    def __init__(self, conn: psycopg.Connection, mapping: Mapping, schema: str = "crm"):
        self.conn = conn
        self.sql = q.SyncSql(
            mapping, schema, _destination_columns(conn, schema, mapping), _clock(conn, schema)
        )

    def create_stage(self) -> None:
        self.conn.execute(self.sql.create_stage())

    def stage_copy_sql(self) -> sql.Composed:
        return self.sql.stage_copy()

    def keys_copy_sql(self) -> sql.Composed:
        return self.sql.keys_copy()

    def mark_failures(self) -> list[tuple[str, str]]:
        """Flag staged records that cannot be written and return (record_key, reason) for each."""
        if self.conn.info.server_version >= 160000:
            self.conn.execute(checks.mark_invalid_values(self.sql))
        self.conn.execute(checks.mark_unwritable(self.sql))
        return self.conn.execute(checks.select_failures()).fetchall()

    def count_writes(self) -> WriteCounts:
        """What `write` would do, by the same predicates, without writing (dry run)."""
        inserted, updated = self.conn.execute(self.sql.count_writes()).fetchone()
        retired = self.conn.execute(self.sql.count_retire()).fetchone()[0] if self.sql.retires else 0
        return WriteCounts(inserted, updated, retired)

    def write(self) -> WriteCounts:
        rows = self.conn.execute(self.sql.apply()).fetchall()
        inserted = sum(1 for (is_insert,) in rows if is_insert)
        retired = self.conn.execute(self.sql.retire()).rowcount if self.sql.retires else 0
        return WriteCounts(inserted, len(rows) - inserted, retired)

    def sample(self, limit: int = 5) -> tuple[dict, ...]:
        """A few staged records with each field's CRM value and the value the sync would write."""
        cur = self.conn.execute(self.sql.select_sample(), (limit,))
        fields = self.sql.mapping.written_fields
        records = []
        for record_key, exists, *pairs in cur.fetchall():
            before_after = dict(zip(fields, zip(pairs[0::2], pairs[1::2], strict=True), strict=True))
            clearable = self.sql.mapping.clear_when_absent
            changes = {
                f: (old, new)
                for f, (old, new) in before_after.items()
                if (new is not None or f in clearable) and new != old
            }
            records.append(
                {"record_key": record_key, "action": "update" if exists else "insert", "changes": changes}
            )
        return tuple(records)


def _destination_columns(conn: psycopg.Connection, schema: str, mapping: Mapping) -> dict[str, q.Column]:
    rows = conn.execute(
        "select a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull and not a.atthasdef"
        " from pg_attribute as a where a.attrelid = to_regclass(format('%%I.%%I', %s::text, %s::text))"
        " and a.attnum > 0 and not a.attisdropped",
        (schema, mapping.object),
    ).fetchall()
    columns = {name: q.Column(name, type_name, required) for name, type_name, required in rows}
    if not columns:
        raise MappingError(f"destination table {schema}.{mapping.object} does not exist")
    needed = (*mapping.destination_columns_written(), mapping.match_key, q.SYSTEM_MODSTAMP)
    needed += (mapping.writable_when.column,) if mapping.writable_when else ()
    needed += (q.CREATED_DATE,) if mapping.operation == "upsert" else ()
    missing = [c for c in dict.fromkeys(needed) if c not in columns]
    if missing:
        raise MappingError(
            f"mapping '{mapping.name}' names columns {schema}.{mapping.object} lacks: {', '.join(missing)}"
        )
    return columns


def _clock(conn: psycopg.Connection, schema: str) -> sql.Composable:
    """The CRM's own clock for system_modstamp: `<schema>.system_now()` when the CRM defines one (the demo
    CRM does: its clock is simulated time), else the database's now()."""
    clock = conn.execute("select to_regprocedure(%s) is not null", (f"{schema}.system_now()",)).fetchone()[0]
    return sql.SQL("{}.system_now()").format(sql.Identifier(schema)) if clock else sql.SQL("now()")
