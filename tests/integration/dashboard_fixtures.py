"""A copy of the shared tiny demo with the dashboard's read-only role, as `momentum dashboard` prepares it.

Each module wraps `read_only_copy` in a fixture of its own that names `tiny_demo` (tests/test_tiers.py reads
which modules use it)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from orchestration.dashboard_cli import prepare_read_only_access
from warehouse.settings import load_settings


@dataclass(frozen=True)
class DashboardWarehouse:
    url: str
    """The admin's URL of the copy (for the test's own queries)."""
    home: Path
    reader_url: str
    mlflow_reader_url: str


def read_only_copy(tiny_demo, tmp_path_factory) -> Iterator[DashboardWarehouse]:
    """For a module fixture: a copy of the tiny demo, the read-only role made on it, and the variables
    `momentum dashboard` hands the app set for the module's tests."""
    home = tmp_path_factory.mktemp("dashboard") / "home"
    with tiny_demo.copy(home) as url, pytest.MonkeyPatch.context() as env:
        env.setenv("MOMENTUM_WAREHOUSE_URL", url)
        env.setenv("MOMENTUM_HOME", str(home))
        reader, mlflow_reader = prepare_read_only_access(load_settings())
        env.setenv("MOMENTUM_DASHBOARD_READER_URL", reader)
        env.setenv("MOMENTUM_DASHBOARD_MLFLOW_URL", mlflow_reader)
        yield DashboardWarehouse(url, home, reader, mlflow_reader)
