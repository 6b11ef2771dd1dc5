"""What the pipeline role may do on the demo CRM's tables: the allow-list, enforced by grants too.

reverse_etl/ refuses a mapping that names a field outside reverse_etl/allow_list.yml, but that is Python; a
bug or a planted statement would still reach every column. So the role gets, as the admin grants it:
- SELECT on every CRM table (the extract reads them all);
- per object a mapping writes, UPDATE (and INSERT, for an upsert) on the allow-listed columns only, plus the
  stamps the CRM keeps on every write (system_modstamp, and created_date on insert; a real CRM sets them
  itself);
- nothing else: no DELETE, no TRUNCATE, no column outside the list. warehouse/roles.py revokes every earlier
  privilege before calling `grant_demo_crm`.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping as MappingOf

import psycopg
from psycopg import sql

from crm.demo.momentum_fields import ensure_momentum_fields
from reverse_etl.mapping import Mapping, load_allow_list, load_mappings

SCHEMA = "crm"
UPDATE_STAMPS = ("system_modstamp",)
INSERT_STAMPS = ("system_modstamp", "created_date")


def grant_demo_crm(
    conn: psycopg.Connection,
    role: str,
    allow_list: MappingOf[str, tuple[str, ...]] | None = None,
    mappings: MappingOf[str, Mapping] | None = None,
) -> None:
    """Grant `role` the demo CRM as the allow-list and the mappings allow; `conn` is the admin's."""
    allow_list = load_allow_list() if allow_list is None else allow_list
    mappings = load_mappings() if mappings is None else mappings
    ensure_momentum_fields(conn, SCHEMA)  # a demo CRM from an earlier release lacks the newer fields
    grantee = sql.Identifier(role)
    tables = [
        name
        for (name,) in conn.execute(
            "select relname from pg_class where relnamespace = to_regnamespace(%s) and relkind in ('r', 'p', 'v')",
            (SCHEMA,),
        ).fetchall()
    ]
    for table in tables:
        conn.execute(sql.SQL("grant select on {} to {}").format(sql.Identifier(SCHEMA, table), grantee))
    for table, operations in writes_by_object(mappings).items():
        if table not in tables:
            continue  # an optional object this CRM lacks: the sync reports it, the grant has nothing to do
        columns = _columns(conn, table)
        allowed = [c for c in columns if any(fnmatch.fnmatchcase(c, p) for p in allow_list.get(table, ()))]
        _grant_columns(conn, "update", table, [*allowed, *UPDATE_STAMPS], columns, grantee)
        if "upsert" in operations:
            _grant_columns(conn, "insert", table, [*allowed, *INSERT_STAMPS], columns, grantee)


def writes_by_object(mappings: MappingOf[str, Mapping]) -> dict[str, set[str]]:
    """CRM object -> the operations its mappings perform (`update`, `upsert`)."""
    writes: dict[str, set[str]] = {}
    for mapping in mappings.values():
        writes.setdefault(mapping.object, set()).add(mapping.operation)
    return writes


def _columns(conn: psycopg.Connection, table: str) -> list[str]:
    return [
        name
        for (name,) in conn.execute(
            "select attname from pg_attribute where attrelid = to_regclass(format('%%I.%%I', %s::text, %s::text))"
            " and attnum > 0 and not attisdropped order by attnum",
            (SCHEMA, table),
        ).fetchall()
    ]


def _grant_columns(
    conn: psycopg.Connection,
    privilege: str,
    table: str,
    wanted: list[str],
    columns: list[str],
    grantee: sql.Identifier,
) -> None:
    present = [c for c in dict.fromkeys(wanted) if c in columns]
    if present:
        conn.execute(
            sql.SQL("grant {} ({}) on {} to {}").format(
                sql.SQL(privilege),
                sql.SQL(", ").join(sql.Identifier(c) for c in present),
                sql.Identifier(SCHEMA, table),
                grantee,
            )
        )
