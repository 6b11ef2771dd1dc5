"""Run every registered validation against the configured warehouse and time each suite.

    MOMENTUM_HOME=... .venv/bin/python -m expectations.validate_all [--data-docs]

For RevOps and for measuring: the same runner the Dagster checks use, outside a run. The
tables must exist (a morning run made them); a suite whose table is missing fails and says so.
"""

from __future__ import annotations

import sys
import time

from expectations.data_docs import publish_data_docs
from expectations.runner import ValidationOutcome, run_validation
from expectations.suites import load_registry


def validate_all(warehouse_url: str) -> list[tuple[ValidationOutcome, float]]:
    """Every registered validation, in registry order, each with the seconds it took."""
    timed = []
    for validation in load_registry():
        started = time.perf_counter()
        outcome = run_validation(warehouse_url, validation)
        timed.append((outcome, time.perf_counter() - started))
    return timed


def main() -> None:
    from warehouse.server import warehouse_url
    from warehouse.settings import load_settings

    settings = load_settings()
    url = warehouse_url(settings)
    timed = validate_all(url)
    for outcome, seconds in timed:
        status = "ok  " if outcome.success else outcome.validation.severity
        print(f"{seconds:6.2f}s {status:5} {outcome.summary()}")
    print(f"{len(timed)} validations in {sum(seconds for _, seconds in timed):.1f}s")
    if "--data-docs" in sys.argv:
        started = time.perf_counter()
        index = publish_data_docs(url, settings.data_docs_dir, [v.name for v in load_registry()])
        print(f"Data Docs: {index} ({time.perf_counter() - started:.1f}s)")


if __name__ == "__main__":
    main()
