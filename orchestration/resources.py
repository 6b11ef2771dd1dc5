"""Resources shared by every asset: where the warehouse and MLflow are, and which day the run is for.

The as-of date travels as the run tag `momentum/as_of_date` (set by the CLI and
the schedules), so every asset of one run, dbt included, works on the same day.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import replace
from datetime import UTC, date, datetime

import dagster as dg
from dagster_dbt import DbtCliResource, DbtProject

from crm.connectors import CrmNotConfigured, crm_layout
from extract.layout import RawLayout
from extract.org_settings import fiscal_year
from warehouse.run_lock import hold_run_lock
from warehouse.server import dbt_environment, mlflow_database_url, pipeline_warehouse_url, warehouse_url
from warehouse.settings import Settings, load_settings

AS_OF_TAG = "momentum/as_of_date"
# "true" on a run that must rebuild from scratch: extract everything again and rebuild incremental models.
FULL_REFRESH_TAG = "momentum/full_refresh"
# The process (and host) running a run, set by run_job: a run whose process is gone was killed, and a run in the
# process that already holds the warehouse's run lock does not take it again.
PID_TAG = "momentum/pid"
HOST_TAG = "momentum/host"
# dbt_project.yml enables the staging folder this names (extract/layout.py RawLayout.dbt_staging).
DBT_STAGING_VARIABLE = "MOMENTUM_DBT_STAGING"
DBT_PROJECT_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "dbt_project")

# dbt from this environment, found beside the interpreter: `make` never activates the virtualenv.
DBT_EXECUTABLE = os.path.join(os.path.dirname(sys.executable), "dbt")


def _target_path() -> str:
    """dbt's target folder, one per staging folder (target/demo, target/salesforce): the manifest differs by the
    CRM read, and two processes reading different CRMs from one checkout must not overwrite each other's."""
    try:
        return f"target/{crm_layout(load_settings()).dbt_staging}"
    except CrmNotConfigured:
        return "target/demo"  # the CLI names the setting to fix before anything runs


dbt_project = DbtProject(
    project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR, target_path=_target_path()
)


class MomentumResource(dg.ConfigurableResource):
    """The warehouse (embedded unless `warehouse_url` is set) and the MLflow store beside it."""

    warehouse_url: str = ""

    def settings(self) -> Settings:
        settings = load_settings()
        return replace(settings, warehouse_url=self.warehouse_url) if self.warehouse_url else settings

    def url(self) -> str:
        """The pipeline's connection: on the embedded server, a role that cannot read sim_truth."""
        return pipeline_warehouse_url(self.settings())

    def tracking_uri(self) -> str:
        return mlflow_database_url(self.settings())

    def artifact_root(self) -> str:
        return str(self.settings().mlflow_artifacts_dir)

    def export_dbt_environment(self) -> None:
        """dbt runs as a subprocess and reads its connection from these variables (profiles.yml)."""
        os.environ.update(dbt_environment(self.url()))
        os.environ[DBT_STAGING_VARIABLE] = self.layout().dbt_staging

    def layout(self) -> RawLayout:
        """Where the configured CRM lands (MOMENTUM_CRM): raw schema, objects, dbt staging folder."""
        return crm_layout(self.settings())


def as_of_date(context) -> date:
    tag = context.run.tags.get(AS_OF_TAG)
    return date.fromisoformat(tag) if tag else datetime.now(UTC).date()


def is_full_refresh(context) -> bool:
    return context.run.tags.get(FULL_REFRESH_TAG) == "true"


def dbt_build_args(context, momentum: MomentumResource) -> list[str]:
    vars_json = dbt_vars(context, momentum)
    # Without the YAML unit tests: they check the models' logic on fixed rows, which CI does (tests/dbt builds
    # them), and a morning run gains nothing from them while one that trips over a source's column types (an
    # export's amounts without a scale read '50000', not '50000.00') would stop every write-back.
    return [
        "build",
        "--exclude-resource-type",
        "unit_test",
        "--vars",
        vars_json,
        *(["--full-refresh"] if is_full_refresh(context) else []),
    ]


def dbt_vars(context, momentum: MomentumResource) -> str:
    """The run's as-of date and the CRM's fiscal year (quarters and label_slipped depend on it)."""
    year = fiscal_year(momentum.url(), momentum.settings().fiscal_year_start_month, momentum.layout())
    context.log.info(f"fiscal year starts in month {year.start_month} ({year.source})")
    return json.dumps(
        {"as_of_date": as_of_date(context).isoformat(), "fiscal_year_start_month": year.start_month}
    )


def dbt_tied_to_this_process() -> str:
    """dbt from this environment, found beside the interpreter (`make` never activates the virtualenv),
    through `momentum-dbt` (orchestration/dbt_project/dbt_child.py) so that it dies with the run that
    started it; plain dbt in an environment installed before that entry point existed."""
    tied = os.path.join(os.path.dirname(sys.executable), "momentum-dbt")
    return tied if os.access(tied, os.X_OK) else DBT_EXECUTABLE


@dg.resource(description="Holds the warehouse's run lock for the whole run (warehouse/run_lock.py).")
def run_lock(context: dg.InitResourceContext):
    """One run at a time, however a run is launched. `momentum run` takes the lock before Dagster starts
    (orchestration/runner.py) and tags its run with its pid; a run the schedule or the UI launches has no such
    tag and takes the lock here, for as long as the run's process lives: the jobs run in one process
    (orchestration/jobs.py), so resources are set up once per run and torn down at its end."""
    tags = context.dagster_run.tags if context.dagster_run else {}
    if tags.get(PID_TAG) == str(os.getpid()):
        yield None  # the CLI in this process already holds it
        return
    settings = load_settings()
    job = context.dagster_run.job_name if context.dagster_run else "run"
    with hold_run_lock(warehouse_url(settings), what=job, wait_seconds=settings.run_wait_seconds):
        yield None


def build_resources(settings: Settings) -> dict:
    # The URL may hold a password, so it reaches Dagster only as an EnvVar reference, never as a value.
    momentum = (
        MomentumResource(warehouse_url=dg.EnvVar("MOMENTUM_WAREHOUSE_URL"))
        if settings.warehouse_url
        else MomentumResource()
    )
    return {
        "momentum": momentum,
        "run_lock": run_lock,
        "dbt": DbtCliResource(project_dir=dbt_project, dbt_executable=dbt_tied_to_this_process()),
    }
