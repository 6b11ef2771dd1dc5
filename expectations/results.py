"""The history of every validation, in the warehouse schema `expectations`.

- `validation_results`: one row per expectation per validation (what RevOps queries and the
  volume expectations compare with).
- `validation_runs`: one row per validation with the whole GX result as JSON, from which the
  Data Docs are rebuilt once per run (expectations/data_docs.py) without validating again.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime

import psycopg

from expectations.suites import Validation
from warehouse.schemas import ensure_schema

DDL = """
create table if not exists expectations.validation_results (
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
);
create table if not exists expectations.validation_runs (
    validation_run_id  text primary key,
    validation_name    text not null,
    suite_name         text not null,
    table_name         text not null,
    severity           text not null,
    success            boolean not null,
    evaluated          integer not null,
    failed             integer not null,
    gx_result          jsonb not null,
    dagster_run_id     text,
    validated_at       timestamptz not null default now()
);
create index if not exists validation_runs_latest on expectations.validation_runs (validation_name, validated_at desc);
"""
# The per-expectation history stays forever; the full GX results (~5 KB each, 30 a day on the demo) only for
# the Data Docs, which show the last validation of every suite, so older ones are dropped.
KEEP_GX_RESULTS_DAYS = 30
OBSERVED_KEYS = (
    "observed_value",
    "element_count",
    "unexpected_count",
    "unexpected_percent",
    "partial_unexpected_list",
)


@dataclass(frozen=True)
class StoredRun:
    validation_name: str
    suite_name: str
    table_name: str
    dagster_run_id: str | None
    validated_at: datetime
    gx_result: dict


def ensure_tables(conn: psycopg.Connection) -> None:
    # Checks run in parallel: two sessions racing on `create ... if not exists` fail on pg_type's
    # unique index, so the DDL is serialised.
    with conn.transaction():
        conn.execute("select pg_advisory_xact_lock(hashtext('expectations.ddl'))")
        ensure_schema(conn, "expectations")
        conn.execute(DDL)


def expectation_name(config) -> str:
    """A shorthand's own name (momentum_references), else GX's (expect_column_values_to_be_between)."""
    return (config.meta or {}).get("momentum_expectation") or config.type


def expectation_column(config) -> str | None:
    return config.kwargs.get("column") or (config.meta or {}).get("column")


def record(warehouse_url: str, validation: Validation, result, dagster_run_id: str) -> str:
    """Append one validation (a GX suite result) to both tables; returns its validation_run_id."""
    run_id = uuid.uuid4().hex
    rows = [
        (
            run_id,
            validation.name,
            validation.suite,
            validation.relation,
            validation.severity,
            expectation_name(r.expectation_config),
            expectation_column(r.expectation_config),
            bool(r.success),
            json.dumps(_observed(r), default=str),
            dagster_run_id or None,
        )
        for r in result.results
    ]
    with psycopg.connect(warehouse_url) as conn:
        ensure_tables(conn)
        with conn.cursor().copy(
            "copy expectations.validation_results (validation_run_id, validation_name, suite_name, table_name, "
            "severity, expectation_type, column_name, success, observed, dagster_run_id) from stdin"
        ) as copy:
            for row in rows:
                copy.write_row(row)
        conn.execute(
            "insert into expectations.validation_runs (validation_run_id, validation_name, suite_name, table_name, "
            "severity, success, evaluated, failed, gx_result, dagster_run_id) values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            (
                run_id,
                validation.name,
                validation.suite,
                validation.relation,
                validation.severity,
                bool(result.success),
                len(rows),
                sum(1 for row in rows if not row[7]),
                json.dumps(result.to_json_dict(), default=str),
                dagster_run_id or None,
            ),
        )
        conn.execute(
            "delete from expectations.validation_runs where validation_name = %s "
            f"and validated_at < now() - interval '{KEEP_GX_RESULTS_DAYS} days'",
            (validation.name,),
        )
    return run_id


def latest_runs(warehouse_url: str, validation_names: list[str]) -> list[StoredRun]:
    """The last validation of each of `validation_names` that has one, in the given order."""
    with psycopg.connect(warehouse_url) as conn:
        if conn.execute("select to_regclass('expectations.validation_runs')").fetchone()[0] is None:
            return []
        rows = conn.execute(
            "select distinct on (validation_name) validation_name, suite_name, table_name, dagster_run_id, "
            "validated_at, gx_result from expectations.validation_runs where validation_name = any(%s) "
            "order by validation_name, validated_at desc",
            (validation_names,),
        ).fetchall()
    by_name = {row[0]: StoredRun(*row) for row in rows}
    return [by_name[name] for name in validation_names if name in by_name]


def _observed(expectation_result) -> dict:
    details = expectation_result.result or {}
    return {key: details[key] for key in OBSERVED_KEYS if key in details}
