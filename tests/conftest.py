"""Shared fixtures: a real PostgreSQL for every test that needs one.

The server is the embedded one (pgserver) in a temporary MOMENTUM_HOME, or the
server named by MOMENTUM_TEST_SERVER_URL. Each test that asks for `warehouse_url`
gets a fresh database of its own, dropped afterwards.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

from tests.databases import scratch_database
from warehouse.server import warehouse_url as resolve_warehouse_url
from warehouse.settings import load_settings


@pytest.fixture(scope="session")
def server_url():
    external = os.environ.get("MOMENTUM_TEST_SERVER_URL")
    if external:
        yield external
        return
    import pgserver

    # Not under pytest's temp folder: a new pytest session resets that folder to owner-only, and the
    # embedded postgres runs as its own user, so it would lose its data directory mid-run.
    home = Path(tempfile.mkdtemp(prefix="momentum-test-"))
    settings = load_settings({"MOMENTUM_HOME": str(home)})
    # Registered first with cleanup_mode="stop", so this handle stops the server when the session ends
    # instead of leaving a postgres running over a temporary folder pytest will delete.
    server = pgserver.get_server(settings.pgdata_dir, cleanup_mode="stop")
    yield resolve_warehouse_url(settings)
    server.cleanup()
    shutil.rmtree(home, ignore_errors=True)


@pytest.fixture
def warehouse_url(server_url: str) -> str:
    with scratch_database(server_url, "test") as url:
        yield url


def pytest_configure(config):
    # The Dagster definitions are built from dbt's manifest and never parse dbt themselves (importing them
    # starts no process): parse once here, before collection imports them. Only in the controlling
    # process when tests run in parallel, since the workers share the project's target folder.
    if not hasattr(config, "workerinput"):
        from orchestration.dbt_project.manifest import prepare_manifest

        prepare_manifest()
