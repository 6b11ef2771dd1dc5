"""Momentum's shorthand expectations: each YAML entry compiles to one native GX expectation.

They cover what GX has no expectation for (references as a share, volume against
the previous validation, freshness, columns the extract stopped receiving) and
stay SQL-side: each becomes an `UnexpectedRowsExpectation` whose query runs in
PostgreSQL, or a row-count expectation whose bounds are read from the history.
The shorthand's name and column are kept in `meta`, so results and messages
name them instead of "unexpected_rows_expectation".
"""

from __future__ import annotations

import datetime as dt

import great_expectations as gx
import psycopg
from psycopg import sql


def is_shorthand(expectation_type: str) -> bool:
    return expectation_type.startswith("momentum_")


def build_shorthand(expectation_type: str, kwargs: dict, warehouse_url: str, schema: str, table: str):
    builders = {
        "momentum_references": _references,
        "momentum_volume_near_previous": _volume_near_previous,
        "momentum_fresh": _fresh,
        "momentum_source_columns_received": _source_columns_received,
    }
    if expectation_type not in builders:
        raise ValueError(f"unknown Momentum expectation {expectation_type!r}; known: {', '.join(builders)}")
    return builders[expectation_type](dict(kwargs), warehouse_url=warehouse_url, schema=schema, table=table)


def resolve_relative_dates(kwargs: dict, today: dt.date) -> dict:
    """`{days_from_today: 3650}` as a bound becomes that date, so plausible ranges do not rot."""
    return {
        key: (today + dt.timedelta(days=value["days_from_today"])).isoformat()
        if isinstance(value, dict) and "days_from_today" in value
        else value
        for key, value in kwargs.items()
    }


def _meta(name: str, column: str | None = None) -> dict:
    return {"momentum_expectation": name, "column": column}


def _references(kwargs: dict, **_) -> gx.expectations.Expectation:
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
    return gx.expectations.UnexpectedRowsExpectation(
        unexpected_rows_query=query,
        description=f"{column} found in {target}.{key} for at least {mostly:.0%} of rows",
        meta=_meta("momentum_references", column),
    )


def _volume_near_previous(kwargs: dict, *, warehouse_url: str, schema: str, table: str, **_):
    previous = _previous_row_count(warehouse_url, schema, table)
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
        meta=_meta("momentum_volume_near_previous"),
    )


def _fresh(kwargs: dict, **_) -> gx.expectations.Expectation:
    column, hours = kwargs["column"], int(kwargs["max_age_hours"])
    query = f"select max({column}) as newest from {{batch}} having max({column}) < now() - interval '{hours} hours'"
    return gx.expectations.UnexpectedRowsExpectation(
        unexpected_rows_query=query,
        description=f"newest {column} within the last {hours} hours",
        meta=_meta("momentum_fresh", column),
    )


def _source_columns_received(kwargs: dict, *, warehouse_url: str, schema: str, table: str, **_):
    missing = _missing_columns(warehouse_url, schema, table)
    if missing is None:  # not loaded by extract/ (no state table): nothing to compare with
        query = "select 1 from {batch} where false"
    else:
        query = (
            # Through jsonb: a state table written before the column existed reads as "nothing missing".
            f"select jsonb_array_elements_text(to_jsonb(s) -> 'missing_columns') as missing_column "
            f"from {schema}._extract_state s where object_name = '{table}' "
            f"and jsonb_typeof(to_jsonb(s) -> 'missing_columns') = 'array' "
            f"and exists (select 1 from {{batch}} limit 1)"
        )
    named = f" (not received: {', '.join(missing)})" if missing else ""
    return gx.expectations.UnexpectedRowsExpectation(
        unexpected_rows_query=query,
        description=f"the last extract received every column of {schema}.{table}{named}",
        meta=_meta("momentum_source_columns_received"),
    )


def _previous_row_count(warehouse_url: str, schema: str, table: str) -> int | None:
    """The row count seen by the last validation before the current extract (any suite on the table)."""
    with psycopg.connect(warehouse_url) as conn:
        if conn.execute("select to_regclass('data_quality.validation_results')").fetchone()[0] is None:
            return None
        # Validations recorded after this extract (another suite on the same table in the same run) saw the
        # new rows already; comparing with them would hide every spike.
        extracted_at = sql.SQL("'infinity'::timestamptz")
        if conn.execute("select to_regclass(%s)", (f"{schema}._extract_state",)).fetchone()[0] is not None:
            extracted_at = sql.SQL(
                "coalesce((select last_extracted_at from {} where object_name = {}), 'infinity')"
            ).format(sql.Identifier(schema, "_extract_state"), sql.Literal(table))
        row = conn.execute(
            sql.SQL(
                "select (observed->>'observed_value')::bigint from data_quality.validation_results "
                "where table_name = %s and expectation_type in "
                "('expect_table_row_count_to_be_between', 'momentum_volume_near_previous') "
                "and observed ? 'observed_value' and validated_at < {} order by validated_at desc limit 1"
            ).format(extracted_at),
            (f"{schema}.{table}",),
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
