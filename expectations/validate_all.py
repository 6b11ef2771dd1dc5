"""Run every registered validation against the configured warehouse and time each suite.

    MOMENTUM_HOME=... .venv/bin/python -m expectations.validate_all [--data-docs]

For RevOps and for measuring: the same runner the Dagster checks use, outside a run. The
tables must exist (a morning run made them); a suite whose table is missing fails and says so.
Each line gives the seconds the suite took and the most rows any of its GX queries returned
to Python, which shows the work stayed in PostgreSQL (a table pulled into pandas would return
all its rows; GX caps the sample rows it keeps at 200).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import event
from sqlalchemy.engine import Engine

from expectations.data_docs import publish_data_docs
from expectations.runner import ValidationOutcome, run_validation
from expectations.suites import Validation, for_raw_schema, load_registry


@dataclass
class Timed:
    outcome: ValidationOutcome
    seconds: float
    queries: int
    most_rows_returned: int


def validate_all(warehouse_url: str, validations: list[Validation] | None = None) -> list[Timed]:
    """Every registered validation (or `validations`), in registry order, each with its cost."""
    timed = []
    for validation in load_registry() if validations is None else validations:
        with _counting_rows() as counts:
            started = time.perf_counter()
            outcome = run_validation(warehouse_url, validation)
            seconds = time.perf_counter() - started
        timed.append(Timed(outcome, seconds, len(counts), max(counts, default=0)))
    return timed


@contextmanager
def _counting_rows() -> Iterator[list[int]]:
    """Rows returned by each query GX (SQLAlchemy) sends while the block runs."""
    counts: list[int] = []

    def after_execute(conn, cursor, statement, parameters, context, executemany) -> None:
        # Queries returning rows, but not GX's catalog look-ups (one row per column of the table).
        if cursor.description is not None and "pg_catalog." not in statement:
            counts.append(max(cursor.rowcount, 0))

    event.listen(Engine, "after_cursor_execute", after_execute)
    try:
        yield counts
    finally:
        event.remove(Engine, "after_cursor_execute", after_execute)


def main() -> None:
    from crm.connectors import crm_layout
    from warehouse.server import warehouse_url
    from warehouse.settings import load_settings

    settings = load_settings()
    url = warehouse_url(settings)
    # The configured CRM's raw suites only: another source's raw schema is not this warehouse's.
    validations = for_raw_schema(load_registry(), crm_layout(settings).schema)
    timed = validate_all(url, validations)
    print(" seconds queries max_rows status suite")
    for t in timed:
        status = "ok  " if t.outcome.success else t.outcome.validation.severity
        print(f"{t.seconds:8.2f} {t.queries:7} {t.most_rows_returned:8} {status:5} {t.outcome.summary()}")
    print(f"{len(timed)} validations in {sum(t.seconds for t in timed):.1f}s")
    if "--data-docs" in sys.argv:
        started = time.perf_counter()
        index = publish_data_docs(url, settings.data_docs_dir, [v.name for v in validations])
        print(f"Data Docs: {index} ({time.perf_counter() - started:.1f}s)")


if __name__ == "__main__":
    main()
