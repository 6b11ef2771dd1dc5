"""Run one registered validation in PostgreSQL and keep its result.

Great Expectations compiles each expectation to SQL against the table, so no
table is pulled into Python. Every result is appended to
`data_quality.validation_results`, the history RevOps and the run summary read.
"""

from __future__ import annotations

import json
import os
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import great_expectations as gx
import psycopg
from great_expectations.data_context.types.base import ProgressBarsConfig

from expectations.data_docs import validate_and_publish
from expectations.suites import Validation, build_suite

RESULTS_DDL = """
create schema if not exists data_quality;
create table if not exists data_quality.validation_results (
    validation_run_id  text not null,
    validation_name    text not null,
    suite_name         text not null,
    table_name         text not null,
    severity           text not null,
    expectation_type   text not null,
    column_name        text,
    success            boolean not null,
    observed           jsonb,
    dagster_run_id     text,
    validated_at       timestamptz not null default now()
)
"""


@dataclass(frozen=True)
class ValidationOutcome:
    validation: Validation
    success: bool
    evaluated: int
    failures: list[str] = field(default_factory=list)
    data_docs: Path | None = None  # the Data Docs index.html, when published

    def summary(self) -> str:
        table = f"{self.validation.schema}.{self.validation.table}"
        if self.success:
            return f"{self.validation.suite} on {table}: all {self.evaluated} expectations passed"
        return f"{self.validation.suite} on {table}: " + "; ".join(self.failures)


def run_validation(
    warehouse_url: str, validation: Validation, *, dagster_run_id: str = "", docs_dir: Path | None = None
) -> ValidationOutcome:
    """Validate in PostgreSQL and append the results; with `docs_dir`, also publish GX Data Docs there."""
    # GX would otherwise try to send usage statistics; this machine has no internet.
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

    # Built only once a context is active: GX's suite objects need one.
    def suite() -> gx.ExpectationSuite:
        return build_suite(validation.suite, warehouse_url, schema=validation.schema, table=validation.table)

    data_docs = None
    if docs_dir is None:
        result = _validate_ephemeral(warehouse_url, validation, suite)
    else:
        result, data_docs = validate_and_publish(warehouse_url, validation, suite, docs_dir)

    failures = [_describe_failure(r) for r in result.results if not r.success]
    _record(warehouse_url, validation, result.results, dagster_run_id)
    return ValidationOutcome(validation, bool(result.success), len(result.results), failures, data_docs)


def _validate_ephemeral(warehouse_url: str, validation: Validation, suite):
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    # A generic SQL data source: the Postgres one rejects socket URLs (postgresql://user@/db?host=/dir).
    source = context.data_sources.add_sql("warehouse", connection_string=warehouse_url)
    asset = source.add_table_asset(
        validation.table, table_name=validation.table, schema_name=validation.schema
    )
    batch = asset.add_batch_definition_whole_table("whole_table").get_batch()
    return batch.validate(suite())


def _describe_failure(expectation_result) -> str:
    config = expectation_result.expectation_config
    column = _column(config)
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
    return f"{_expectation_type(config)}{where} failed{what} (observed: {observed})"


def _expectation_type(config) -> str:
    return (config.meta or {}).get("momentum_expectation") or config.type


def _column(config) -> str | None:
    return config.kwargs.get("column") or (config.meta or {}).get("column")


def _record(warehouse_url: str, validation: Validation, results, dagster_run_id: str) -> None:
    run_id = uuid.uuid4().hex
    rows = [
        (
            run_id,
            validation.name,
            validation.suite,
            f"{validation.schema}.{validation.table}",
            validation.severity,
            _expectation_type(r.expectation_config),
            _column(r.expectation_config),
            bool(r.success),
            json.dumps(_observed(r), default=str),
            dagster_run_id or None,
        )
        for r in results
    ]
    with psycopg.connect(warehouse_url) as conn:
        conn.execute(RESULTS_DDL)
        with conn.cursor().copy(
            "copy data_quality.validation_results (validation_run_id, validation_name, suite_name, table_name, "
            "severity, expectation_type, column_name, success, observed, dagster_run_id) from stdin"
        ) as copy:
            for row in rows:
                copy.write_row(row)


def _observed(expectation_result) -> dict:
    details = expectation_result.result or {}
    keys = (
        "observed_value",
        "element_count",
        "unexpected_count",
        "unexpected_percent",
        "partial_unexpected_list",
    )
    return {key: details[key] for key in keys if key in details}
