"""Per-record checks on the staged records, so one bad record fails alone instead of the run.

Each check sets `error` on the staged rows it rejects; the write then skips them, and the
engine logs them in reverse_etl.sync_record_error and retries them on the next run.
"""

from __future__ import annotations

from psycopg import sql

from crm.demo.destination_sql import STAGE, Column, SyncSql

# Enough of a bad value to recognise it in the log without copying a whole script into it.
SHOWN_VALUE_CHARS = 40


def mark_invalid_values(q: SyncSql) -> sql.Composed:
    """Values the destination column type rejects (pg_input_is_valid, PostgreSQL 16+)."""
    checks = [_type_check("record_key", q.columns[q.mapping.match_key])]
    checks += [_type_check(f, q.columns[f]) for f in q.fields]
    return sql.SQL("update {} as s set error = nullif(concat_ws('; ', {}), '')").format(
        sql.Identifier(STAGE), sql.SQL(", ").join(checks)
    )


def mark_unwritable(q: SyncSql) -> sql.Composed:
    """Update: ids the CRM does not know. Upsert: new records lacking a NOT NULL field."""
    if q.mapping.operation == "update":
        reason = f"no {q.mapping.object} with this {q.mapping.match_key} in the CRM"
        return sql.SQL(
            "update {stage} as s set error = {reason} where s.error is null"
            " and not exists (select 1 from {dest} as d where {match})"
        ).format(stage=sql.Identifier(STAGE), reason=sql.Literal(reason), dest=q.dest, match=q.match())
    required = [f for f in q.fields if q.columns[f].required]
    if not required:
        return sql.SQL("select 1")
    reason = f"a new {q.mapping.object} needs {', '.join(required)}"
    return sql.SQL(
        "update {stage} as s set error = {reason} where s.error is null and ({nulls})"
        " and not exists (select 1 from {dest} as d where {match})"
    ).format(
        stage=sql.Identifier(STAGE),
        reason=sql.Literal(reason),
        nulls=sql.SQL(" or ").join(sql.SQL("s.{} is null").format(sql.Identifier(f)) for f in required),
        dest=q.dest,
        match=q.match(),
    )


def select_failures() -> sql.Composed:
    return sql.SQL("select record_key, error from {} where error is not null order by record_key").format(
        sql.Identifier(STAGE)
    )


def _type_check(staged_name: str, column: Column) -> sql.Composed:
    value, type_name = sql.Identifier("s", staged_name), sql.Literal(column.type_name)
    return sql.SQL(
        "case when {v} is not null and not pg_input_is_valid({v}, {t}) then"
        " format('%s %L is not a valid %s (%s)', {name}, left({v}, {shown}), {t},"
        " (pg_input_error_info({v}, {t})).message) end"
    ).format(v=value, t=type_name, name=sql.Literal(column.name), shown=sql.Literal(SHOWN_VALUE_CHARS))
