"""The morning job runs whole as the least-privileged pipeline role of the embedded server.

The other end-to-end tests run as the admin of their scratch database (an external MOMENTUM_WAREHOUSE_URL is
used as given); here a copy of the shared tiny demo (tests/integration/conftest.py) is handed to the role as the
embedded server does (warehouse/server.py: grants, then adoption of the tables the admin made), the demo CRM
lives one more day (`sim advance`, as the admin), and the morning job runs as the role: no CREATE on the
database, and on the CRM only the allow-listed columns.
"""

from datetime import timedelta

import dagster as dg
import psycopg
import pytest

from crm.demo.grants import grant_demo_crm
from orchestration import resources
from orchestration.expectations import data_docs
from orchestration.runner import run_job
from simulator.advance import advance_demo_crm
from simulator.build import demo_today
from warehouse.roles import PIPELINE_ROLE, adopt_pipeline_objects, ensure_pipeline_role
from warehouse.settings import load_settings
from warehouse.timeouts import with_session_timeouts


@pytest.fixture
def pipeline_role_warehouse(tiny_demo, tmp_path, monkeypatch):
    """(admin URL, pipeline role URL) of a copy of the shared tiny demo; the pipeline connects as the role."""
    with tiny_demo.copy(tmp_path / "momentum_home") as url:
        monkeypatch.setenv("MOMENTUM_WAREHOUSE_URL", url)
        monkeypatch.setenv("MOMENTUM_HOME", str(tmp_path / "momentum_home"))
        monkeypatch.setenv("MOMENTUM_MIN_CLOSED_DEALS", "8")
        role_url = ensure_pipeline_role(url, crm_grants=grant_demo_crm)
        adopt_pipeline_objects(url)

        def as_the_role(settings):
            return with_session_timeouts(role_url, settings)

        for module in (resources, data_docs):
            monkeypatch.setattr(module, "pipeline_warehouse_url", as_the_role)
        yield url, role_url


def test_the_morning_job_runs_as_the_pipeline_role_and_writes_only_what_it_may(pipeline_role_warehouse):
    admin, role_url = pipeline_role_warehouse
    # GIVEN the demo CRM one day later (the simulator, as the admin, still moves it under the role's grants)
    advance_demo_crm(admin, days=1)
    today = demo_today(admin)

    # WHEN the morning job runs as the role
    report = run_job(load_settings(), "morning", today, instance=dg.DagsterInstance.ephemeral())

    # THEN it succeeds: extract, dbt (its schemas exist, so it creates none), scores, TMVAs and the CRM sync
    assert report.success, (report.failed_steps, report.failed_checks)
    with psycopg.connect(admin) as conn:
        statuses = dict(
            conn.execute(
                "select sync_name, status from reverse_etl.sync_log where dagster_run_id = %s",
                (report.run_id,),
            ).fetchall()
        )
        assert set(statuses.values()) <= {"succeeded", "partial"} and len(statuses) == 3, statuses
        scored_today = conn.execute(
            "select count(*) from crm.opportunity where ai_scored_at >= %s", (today - timedelta(days=1),)
        ).fetchone()[0]
        assert scored_today > 0
        # ...what dbt rebuilt is the role's, and the role is still refused a schema of its own
        assert (
            conn.execute(
                "select pg_get_userbyid(relowner) from pg_class where oid = 'marts.fct_deal_snapshots'::regclass"
            ).fetchone()[0]
            == PIPELINE_ROLE
        )
    with (
        psycopg.connect(role_url, autocommit=True) as conn,
        pytest.raises(psycopg.errors.InsufficientPrivilege),
    ):
        conn.execute("create schema planted")
