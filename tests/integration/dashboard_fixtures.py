"""A copy of the shared tiny demo with the dashboard's read-only role, as `momentum dashboard` prepares it."""

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


@pytest.fixture(scope="module")
def dashboard_warehouse(tiny_demo, tmp_path_factory) -> Iterator[DashboardWarehouse]:
    home = tmp_path_factory.mktemp("dashboard") / "home"
    with tiny_demo.copy(home) as url, pytest.MonkeyPatch.context() as env:
        env.setenv("MOMENTUM_WAREHOUSE_URL", url)
        env.setenv("MOMENTUM_HOME", str(home))
        reader, mlflow_reader = prepare_read_only_access(load_settings())
        env.setenv("MOMENTUM_DASHBOARD_READER_URL", reader)
        env.setenv("MOMENTUM_DASHBOARD_MLFLOW_URL", mlflow_reader)
        yield DashboardWarehouse(url, home, reader, mlflow_reader)
