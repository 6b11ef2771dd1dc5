"""What the CRM holds, as the latest export shows it: the files CRM's counterpart of reading the org by SOQL.

The morning's extract has just loaded the export into `raw_salesforce` (fields lower-cased, ids as the export
gives them). A file written but not yet loaded is not in the export: its tasks look new, which an upsert on the
external id makes harmless.
"""

from __future__ import annotations

import psycopg
from psycopg import sql

from crm.salesforce.fields import OBJECTS_BY_API_NAME
from crm.salesforce.layout import SALESFORCE_LAYOUT


def momentum_tasks(conn: psycopg.Connection) -> dict[str, tuple[str, str]]:
    """Momentum's tasks in the export: external id -> (Id, Status); empty before the first extract."""
    table = _raw_table("Task")
    if not _columns(conn, table) >= {"id", "status", "ai_external_id__c", "_deleted_at"}:
        return {}
    rows = conn.execute(
        sql.SQL(
            "select ai_external_id__c, id, status from {} where ai_external_id__c is not null and _deleted_at is null"
        ).format(sql.Identifier(*table))
    ).fetchall()
    return {external_id: (task_id, status) for external_id, task_id, status in rows}


def current_values(
    conn: psycopg.Connection, sobject: str, key_field: str, keys: list[str], api_names: list[str]
) -> dict[str, dict[str, str | None]]:
    """The export's values (as text) of `api_names` for the records keyed `keys` (Ids by their 15 characters, as
    Momentum keys them); a field the export lacks reads as None."""
    table = _raw_table(sobject)
    present = _columns(conn, table)
    key = key_field.lower()
    if key not in present or not keys:
        return {}
    key_expr = sql.SQL("left({}, 15)" if key == "id" else "{}").format(sql.Identifier(key))
    names = [name for name in api_names if name.lower() in present]
    selected = sql.SQL(", ").join(sql.SQL("{}::text").format(sql.Identifier(n.lower())) for n in names)
    rows = conn.execute(
        sql.SQL("select {}, {} from {} where {} = any(%s)").format(
            key_expr, selected or sql.SQL("null"), sql.Identifier(*table), key_expr
        ),
        (keys,),
    ).fetchall()
    return {row[0]: dict(zip(names, row[1:], strict=False)) for row in rows}


def _raw_table(sobject: str) -> tuple[str, str]:
    return SALESFORCE_LAYOUT.schema, OBJECTS_BY_API_NAME[sobject].raw_name


def _columns(conn: psycopg.Connection, table: tuple[str, str]) -> set[str]:
    rows = conn.execute(
        "select column_name from information_schema.columns where table_schema = %s and table_name = %s",
        table,
    ).fetchall()
    return {name for (name,) in rows}
