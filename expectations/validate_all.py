"""Run every registered validation against the configured warehouse and time it.

    MOMENTUM_HOME=... .venv/bin/python -m expectations.validate_all [--data-docs]

For RevOps and for measuring: the same runner the Dagster checks use, outside a run.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from expectations.runner import ValidationOutcome, run_validation
from expectations.suites import load_registry


def validate_all(warehouse_url: str, docs_dir: Path | None = None) -> tuple[list[ValidationOutcome], float]:
    """Every registered validation, in registry order; returns the outcomes and the seconds taken."""
    started = time.perf_counter()
    outcomes = [run_validation(warehouse_url, v, docs_dir=docs_dir) for v in load_registry()]
    return outcomes, time.perf_counter() - started


def main() -> None:
    from warehouse.server import warehouse_url
    from warehouse.settings import load_settings

    settings = load_settings()
    docs_dir = settings.home / "data_docs" if "--data-docs" in sys.argv else None
    outcomes, seconds = validate_all(warehouse_url(settings), docs_dir)
    for outcome in outcomes:
        status = "ok  " if outcome.success else outcome.validation.severity
        print(f"{status:5} {outcome.summary()}")
    print(f"{len(outcomes)} validations in {seconds:.1f}s")
    if docs_dir:
        print(f"Data Docs: {docs_dir / 'index.html'}")


if __name__ == "__main__":
    main()
