"""Run one registered validation in PostgreSQL and keep its result.

Great Expectations compiles each expectation to SQL against the table (or the rows the
registry's `where` selects), so no table is pulled into Python. Every result is appended to
`expectations` (expectations/results.py), the history RevOps, the run summary and the Data
Docs read.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date

import great_expectations as gx
import psycopg
from great_expectations.data_context.types.base import ProgressBarsConfig

from expectations.results import ensure_tables, expectation_column, expectation_name, record
from expectations.suites import Validation, build_suite

# Offending rows named in a failure message: enough to find them, short enough for one summary line.
ROWS_NAMED = 3


@dataclass(frozen=True)
class ValidationOutcome:
    validation: Validation
    success: bool
    evaluated: int
    failures: list[str] = field(default_factory=list)

    def details(self) -> str:
        """What passed or failed, without the suite and table (a Dagster check names those itself)."""
        if self.success:
            return f"all {self.evaluated} expectations passed"
        return "; ".join(self.failures)

    def summary(self) -> str:
        return f"{self.validation.suite} on {self.validation.relation}: {self.details()}"


def run_validation(
    warehouse_url: str,
    validation: Validation,
    *,
    dagster_run_id: str = "",
    load_date: date | None = None,
    released_syncs: frozenset[str] = frozenset(),
) -> ValidationOutcome:
    """Validate in PostgreSQL and append the results to the warehouse history. `load_date`: the as-of
    date the rows were extracted for, which relative bounds count from (default the as-of date the warehouse
    was last built for: expectations/as_of.py). `released_syncs`: syncs this run forces or runs dry."""
    result = _validate(warehouse_url, validation, load_date, released_syncs)
    failures = [
        _describe_failure(r, _offending_rows(warehouse_url, validation, r))
        for r in result.results
        if not r.success
    ]
    record(warehouse_url, validation, result, dagster_run_id)
    return ValidationOutcome(validation, bool(result.success), len(result.results), failures)


def _validate(
    warehouse_url: str,
    validation: Validation,
    load_date: date | None = None,
    released_syncs: frozenset[str] = frozenset(),
):
    # Ephemeral: nothing on disk, so checks can run in parallel processes. Data Docs are built
    # from the stored results once per run instead (expectations/data_docs.py).
    context = gx.get_context(mode="ephemeral")
    context.enable_analytics(False)  # GX 1.24 sends nothing; this is what a GX that does reads
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    # A generic SQL data source: the Postgres one rejects socket URLs (postgresql://user@/db?host=/dir).
    source = context.data_sources.add_sql("warehouse", connection_string=warehouse_url)
    try:
        return _validate_with(source, warehouse_url, validation, load_date, released_syncs)
    finally:
        # The ephemeral context's engine keeps its pooled connections until the garbage collector finds the
        # context: a process validating dozens of suites (a run, the test suite) ran the server out of
        # connections ("too many clients already").
        source.get_engine().dispose()


def _validate_with(
    source, warehouse_url: str, validation: Validation, load_date: date | None, released_syncs: frozenset[str]
):
    with _rows_to_validate(warehouse_url, validation) as (schema, table):
        asset = source.add_table_asset(validation.name, table_name=table, schema_name=schema)
        batch = asset.add_batch_definition_whole_table("whole_table").get_batch()
        # Built only once a context is active: GX's suite objects need one.
        suite = build_suite(
            validation.suite,
            warehouse_url,
            schema=validation.schema,
            table=validation.table,
            load_date=load_date,
            released_syncs=released_syncs,
        )
        return batch.validate(suite)


@contextmanager
def _rows_to_validate(warehouse_url: str, validation: Validation) -> Iterator[tuple[str, str]]:
    """The table, or with `where` a view of the chosen rows, dropped afterwards.

    A view rather than a GX query asset: GX runs a query asset's query once as-is to learn its
    columns, so every chosen row (all of today's scores) would travel to Python.
    """
    if not validation.where:
        yield validation.schema, validation.table
        return
    view = f"{validation.name}__rows"
    with psycopg.connect(warehouse_url, autocommit=True) as conn:
        ensure_tables(conn)  # the expectations schema
        with conn.transaction():
            conn.execute(f'drop view if exists expectations."{view}"')
            conn.execute(f'create view expectations."{view}" as {_batch_sql(validation)}')
        try:
            yield "expectations", view
        finally:
            # Not left behind: a view on ml.deal_scores would stop anyone dropping that table.
            conn.execute(f'drop view if exists expectations."{view}"')


def _batch_sql(validation: Validation) -> str:
    """The validated rows as SQL: the relation, or the query choosing its rows."""
    if validation.where:
        return f"select * from {validation.relation} where {validation.where}"
    return validation.relation


def _offending_rows(warehouse_url: str, validation: Validation, expectation_result) -> list[tuple]:
    """A few rows a failed unexpected-rows query returned, to name them in the message.

    GX keeps those rows only in its COMPLETE result format, which for every other expectation
    would fetch each unexpected value into Python; asking PostgreSQL again for three is cheaper.
    """
    config = expectation_result.expectation_config
    query = config.kwargs.get("unexpected_rows_query")
    if not query or (expectation_result.exception_info or {}).get("raised_exception"):
        return []
    # Distinct and ordered: a reference missing from 50 rows is one example, and the message is stable.
    batch = f"({_batch_sql(validation)})" if validation.where else validation.relation
    offending = query.replace("{batch}", batch)
    statement = f"select distinct * from ({offending}) as offending order by 1 limit {ROWS_NAMED}"
    try:
        with psycopg.connect(warehouse_url) as conn:
            return conn.execute(statement).fetchall()
    except psycopg.Error:  # the count already says it failed; the examples are a courtesy
        return []


def _describe_failure(expectation_result, offending_rows: list[tuple]) -> str:
    config = expectation_result.expectation_config
    column = expectation_column(config)
    details = expectation_result.result or {}
    observed = details.get("unexpected_count", details.get("observed_value"))
    info = expectation_result.exception_info or {}
    # GX nests the error per metric when a metric query failed (e.g. a suite's SQL has a typo).
    errors = [info] + [value for value in info.values() if isinstance(value, dict)]
    raised = [error.get("exception_message") for error in errors if error.get("raised_exception")]
    if raised:
        observed = str(raised[0]).splitlines()[0]
    where = f" on {column}" if column else ""
    what = f" ({config.description})" if config.description else ""
    examples = "; ".join(" / ".join(str(value) for value in row) for row in offending_rows)
    named = f", e.g. {examples}" if examples else ""
    return f"{expectation_name(config)}{where} failed{what} (observed: {observed}{named})"
