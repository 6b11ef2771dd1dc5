"""Shared fixtures: a real PostgreSQL for every test that needs one; and the test tiers.

The server is the embedded one (pgserver) in a temporary MOMENTUM_HOME, or the
server named by MOMENTUM_TEST_SERVER_URL. Each test that asks for `warehouse_url`
gets a fresh database of its own, dropped afterwards.

Under pytest-xdist (`make test` runs `-n 2`) the session fixtures run once per worker: each worker
starts its own embedded server in its own temporary folder (its socket is in that folder's pgdata; it
listens on no TCP port), or uses the MOMENTUM_TEST_SERVER_URL server, where every database name is unique.

Tiers (README "Testing"), assigned here in one place by module base name and by fixture, so that moving
a folder changes nothing: `slow` marks the end-to-end tests (Dagster jobs, or dbt and statistics on a
built demo CRM), `dbt` the tests that run dbt. `make test-fast` runs `-m "not slow"`.
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


# End-to-end modules: they run the Dagster jobs, or build a demo CRM and run dbt on it.
SLOW_MODULES = frozenset(
    {
        "test_morning_job.py",
        "test_quality_gates.py",
        "test_time_travel.py",
        "test_too_little_history.py",
        "test_renamed_stages_and_fiscal_year.py",
        "test_dbt_on_demo_crm.py",
        "test_dbt_incremental_on_demo_crm.py",
        "test_salesforce_staging_on_demo_crm.py",
        "test_hubspot_staging_on_demo_crm.py",
        "test_salesforce_export_end_to_end.py",
        "test_hubspot_export_end_to_end.py",
    }
)
# Fixtures that build a demo CRM (tiny_demo also runs the jobs on it): a test using one is slow wherever it is.
SLOW_FIXTURES = frozenset({"tiny_demo", "demo_crm_url"})
# Modules that start from the shared tiny demo (tests/integration/conftest.py): one unit of work under
# xdist, so that one worker builds it once.
TINY_DEMO_MODULES = frozenset(
    {
        "test_morning_job.py",
        "test_quality_gates.py",
        "test_time_travel.py",
        "test_morning_as_pipeline_role.py",
        "test_mornings_without_false_alarms.py",
        "test_dashboard_pages.py",
        "test_dashboard_in_browser.py",
        "test_sync_dry_run_and_release.py",
        "test_salesforce_write_back.py",
        "test_hubspot_write_back.py",
        "test_forecast_going_forward.py",
    }
)


def is_slow(item: pytest.Item) -> bool:
    return item.path.name in SLOW_MODULES or bool(SLOW_FIXTURES & set(item.fixturenames))


def _module_has(item: pytest.Item, name: str) -> bool:
    return callable(getattr(getattr(item, "module", None), name, None))


def runs_dbt(item: pytest.Item) -> bool:
    """dbt directly (tests/dbt/dbt_helpers.py run_dbt) or through a Dagster job (orchestration.runner run_job)."""
    return _module_has(item, "run_dbt") or _module_has(item, "run_job")


def _distribution_rank(item: pytest.Item) -> int:
    """Roughly longest first: the tiny demo's modules, other job runs, other slow tests, dbt, the rest."""
    if item.path.name in TINY_DEMO_MODULES:
        return 0
    if _module_has(item, "run_job"):
        return 1
    return 2 if is_slow(item) else 3 if runs_dbt(item) else 4


def pytest_configure(config: pytest.Config) -> None:
    if not hasattr(config, "workerinput"):
        # Before collection, and under xdist in the controller before any worker starts: the Dagster
        # definitions are built from dbt's manifest and never parse dbt themselves, so it is parsed here
        # once (when missing or stale), and two workers never write dbt_project/target at the same time.
        from orchestration.dbt_project.manifest import prepare_manifest

        prepare_manifest()


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if is_slow(item):
            item.add_marker(pytest.mark.slow)
        if runs_dbt(item):
            item.add_marker(pytest.mark.dbt)
    if hasattr(config, "workerinput"):
        # An xdist worker (the controller hands out units in the workers' collection order): the longest
        # modules first, so that no worker is left with a long one at the end while the other idles. A stable
        # sort on the module's rank: each module's tests stay together and in their order.
        module_rank: dict[Path, int] = {}
        for item in items:
            module_rank[item.path] = min(module_rank.get(item.path, 4), _distribution_rank(item))
        items.sort(key=lambda item: module_rank[item.path])


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log):
    """`--dist loadfile` (pyproject addopts), except that the TINY_DEMO_MODULES are one unit."""
    if config.getvalue("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling

    class LoadFileSharingTheTinyDemo(LoadFileScheduling):
        def _split_scope(self, nodeid: str) -> str:
            module = super()._split_scope(nodeid)
            return "tiny demo" if Path(module).name in TINY_DEMO_MODULES else module

    return LoadFileSharingTheTinyDemo(config, log)
