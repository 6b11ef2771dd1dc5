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

import great_expectations as gx
import psycopg
from great_expectations.data_context.types.base import ProgressBarsConfig

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

    def summary(self) -> str:
        table = f"{self.validation.schema}.{self.validation.table}"
        if self.success:
            return f"{self.validation.suite} on {table}: all {self.evaluated} expectations passed"
        return f"{self.validation.suite} on {table}: " + "; ".join(self.failures)


def run_validation(
    warehouse_url: str, validation: Validation, *, dagster_run_id: str = ""
) -> ValidationOutcome:
    # GX would otherwise try to send usage statistics; this machine has no internet.
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    # A generic SQL data source: the Postgres one rejects socket URLs (postgresql://user@/db?host=/dir).
    source = context.data_sources.add_sql("warehouse", connection_string=warehouse_url)
    asset = source.add_table_asset(
        validation.table, table_name=validation.table, schema_name=validation.schema
    )
    batch = asset.add_batch_definition_whole_table("whole_table").get_batch()
    result = batch.validate(build_suite(validation.suite, warehouse_url))

    failures = [_describe_failure(r) for r in result.results if not r.success]
    _record(warehouse_url, validation, result.results, dagster_run_id)
    return ValidationOutcome(validation, bool(result.success), len(result.results), failures)


def _describe_failure(expectation_result) -> str:
    config = expectation_result.expectation_config
    column = config.kwargs.get("column")
    details = expectation_result.result or {}
    observed = details.get("unexpected_count", details.get("observed_value"))
    if expectation_result.exception_info and expectation_result.exception_info.get("raised_exception"):
        observed = expectation_result.exception_info.get("exception_message")
    where = f" on {column}" if column else ""
    return f"{config.type}{where} failed (observed: {observed})"


def _record(warehouse_url: str, validation: Validation, results, dagster_run_id: str) -> None:
    run_id = uuid.uuid4().hex
    rows = [
        (
            run_id,
            validation.name,
            validation.suite,
            f"{validation.schema}.{validation.table}",
            validation.severity,
            r.expectation_config.type,
            r.expectation_config.kwargs.get("column"),
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
