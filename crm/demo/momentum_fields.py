"""Momentum's fields and objects on the demo CRM, added to a demo CRM built by an earlier release.

simulator/schema.sql creates them on a new demo CRM; a warehouse whose demo CRM predates a field gets it here
(idempotent), as an admin adds a custom field to a real CRM. Run with the admin's connection: the pipeline role
may not alter the CRM (crm/demo/grants.py calls this before granting, so the new columns are granted too).
"""

from __future__ import annotations

import re
from pathlib import Path

import psycopg

# (table, column, type): only fields added after the first release; the rest are in simulator/schema.sql.
ADDED_FIELDS = (
    ("opportunity", "ai_slip_risk", "numeric(5, 4)"),
    ("opportunity", "ai_top_reasons_for", "varchar(255)"),
    ("opportunity", "ai_top_reasons_against", "varchar(255)"),
    ("opportunity", "ai_close_in_quarter_probability", "numeric(5, 4)"),
    ("opportunity", "ai_forecast_category", "varchar(40)"),
    ("opportunity", "ai_forecast_flag", "varchar(255)"),
)


# Momentum's own objects added after the first release, created as simulator/schema.sql creates them (read from
# there so the two never differ).
ADDED_OBJECTS = ("momentum_forecast",)
SCHEMA_SQL = Path(__file__).parents[2] / "simulator" / "schema.sql"


def ensure_momentum_fields(conn: psycopg.Connection, schema: str = "crm") -> list[str]:
    """Add the fields and objects a demo CRM in `schema` lacks; returns the ones added ('table.column', 'table')."""
    added = _ensure_objects(conn, schema)
    for table, column, type_name in ADDED_FIELDS:
        exists = conn.execute(
            "select exists (select 1 from information_schema.columns where table_schema = %s"
            " and table_name = %s and column_name = %s), to_regclass(format('%%I.%%I', %s::text, %s::text))",
            (schema, table, column, schema, table),
        ).fetchone()
        if exists[0] or exists[1] is None:  # present, or no such table (not a demo CRM)
            continue
        conn.execute(f'alter table "{schema}"."{table}" add column if not exists "{column}" {type_name}')
        added.append(f"{table}.{column}")
    return added


def _ensure_objects(conn: psycopg.Connection, schema: str) -> list[str]:
    if (
        conn.execute("select to_regclass(format('%%I.opportunity', %s::text))", (schema,)).fetchone()[0]
        is None
    ):
        return []  # not a demo CRM
    added = []
    for table in ADDED_OBJECTS:
        if conn.execute(
            "select to_regclass(format('%%I.%%I', %s::text, %s::text))", (schema, table)
        ).fetchone()[0]:
            continue
        ddl = re.search(rf"create table crm\.{table} \(.*?\n\);", SCHEMA_SQL.read_text(), re.S).group(0)
        conn.execute(ddl.replace("create table crm.", f'create table "{schema}".', 1))
        added.append(table)
    return added
