"""Shorthands for raw CRM tables: references as a share, volume against the previous validation,
freshness, and columns the extract stopped receiving."""

from __future__ import annotations

import datetime as dt

import great_expectations as gx
import psycopg
from psycopg import sql

from expectations.shorthand import meta, passing, unexpected_rows


def references(kwargs: dict, **_) -> gx.expectations.Expectation:
    column, target, key = kwargs["column"], kwargs["table"], kwargs["key"]
    mostly = float(kwargs.get("mostly", 1.0))
    # The unresolved rows are returned only when their share exceeds 1 - mostly, so the observed value
    # is the number of unresolved references and a tolerated handful does not fail the check.
    # GX substitutes {batch} with an already aliased subquery, hence the CTE to name it.
    query = (
        f"with batch as (select * from {{batch}}), unresolved as (select b.{column} from batch b "
        f"where b.{column} is not null and not exists (select 1 from {target} t where t.{key} = b.{column})) "
        f"select * from unresolved where (select count(*) from unresolved) > "
        f"{1 - mostly:.6f} * (select count({column}) from batch)"
    )
    return unexpected_rows(
        query,
        name="momentum_references",
        column=column,
        description=f"{column} found in {target}.{key} for at least {mostly:.0%} of rows",
    )


def volume_near_previous(kwargs: dict, *, warehouse_url: str, schema: str, table: str, suite: str, **_):
    previous = _previous_row_count(warehouse_url, schema, table, suite)
    if previous is None:  # first validation of this table: nothing to compare with yet
        bounds = {"min_value": 0}
    else:
        bounds = {
            "min_value": int(previous * float(kwargs["min_ratio"])),
            "max_value": int(previous * float(kwargs["max_ratio"])),
        }
    return gx.expectations.ExpectTableRowCountToBeBetween(
        **bounds,
        description=f"row count between {kwargs['min_ratio']}x and {kwargs['max_ratio']}x the "
        f"previous validation's ({previous})",
        meta=meta("momentum_volume_near_previous"),
    )


def fresh(kwargs: dict, *, load_date: dt.date, **_) -> gx.expectations.Expectation:
    """The newest `column` at most `max_age_hours` before the start of the load date (the run's as-of date),
    not before the machine's now: a run for a past day (a backfill, the tiny demo in tests) or for a CRM
    whose today runs ahead of the machine's (the demo after `sim advance`) judges the data of its day."""
    column, hours = kwargs["column"], int(kwargs["max_age_hours"])
    since = f"timestamp with time zone '{load_date.isoformat()} 00:00:00+00' - interval '{hours} hours'"
    query = f"select max({column}) as newest from {{batch}} having max({column}) < {since}"
    return unexpected_rows(
        query,
        name="momentum_fresh",
        column=column,
        description=f"newest {column} within the {hours} hours before {load_date}",
    )


def source_columns_received(kwargs: dict, *, warehouse_url: str, schema: str, table: str, **_):
    missing = _missing_columns(warehouse_url, schema, table)
    if missing is None:  # not loaded by extract/ (no state table): nothing to compare with
        query = passing()
    else:
        query = (
            # Through jsonb: a state table written before the column existed reads as "nothing missing".
            f"select jsonb_array_elements_text(to_jsonb(s) -> 'missing_columns') as missing_column "
            f"from {schema}._extract_state s where object_name = '{table}' "
            f"and jsonb_typeof(to_jsonb(s) -> 'missing_columns') = 'array' "
            f"and exists (select 1 from {{batch}} limit 1)"
        )
    named = f" (not received: {', '.join(missing)})" if missing else ""
    return unexpected_rows(
        query,
        name="momentum_source_columns_received",
        description=f"the last extract received every column of {schema}.{table}{named}",
    )


def _previous_row_count(warehouse_url: str, schema: str, table: str, suite: str) -> int | None:
    """The row count this suite saw on its last validation of the table before the current extract.

    The same suite only: another suite on the table may have counted the new rows earlier in the
    same run (a mart has no extract to date them), and comparing with it would hide every spike.
    """
    with psycopg.connect(warehouse_url) as conn:
        if conn.execute("select to_regclass('expectations.validation_results')").fetchone()[0] is None:
            return None
        # A validation recorded after this extract (a re-run of validate_all) saw the new rows already.
        extracted_at = sql.SQL("'infinity'::timestamptz")
        if conn.execute("select to_regclass(%s)", (f"{schema}._extract_state",)).fetchone()[0] is not None:
            extracted_at = sql.SQL(
                "coalesce((select last_extracted_at from {} where object_name = {}), 'infinity')"
            ).format(sql.Identifier(schema, "_extract_state"), sql.Literal(table))
        row = conn.execute(
            sql.SQL(
                "select (observed->>'observed_value')::bigint from expectations.validation_results "
                "where table_name = %s and suite_name = %s and expectation_type = 'momentum_volume_near_previous' "
                "and observed ? 'observed_value' and validated_at < {} order by validated_at desc limit 1"
            ).format(extracted_at),
            (f"{schema}.{table}", suite),
        ).fetchone()
    return row[0] if row else None


def _missing_columns(warehouse_url: str, schema: str, table: str) -> list[str] | None:
    with psycopg.connect(warehouse_url) as conn:
        if conn.execute("select to_regclass(%s)", (f"{schema}._extract_state",)).fetchone()[0] is None:
            return None
        row = conn.execute(
            f"select to_jsonb(s) -> 'missing_columns' from {schema}._extract_state s where object_name = %s",
            (table,),
        ).fetchone()
    return list(row[0] or []) if row else []
