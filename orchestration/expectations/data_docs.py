"""Great Expectations Data Docs, rebuilt once at the end of every morning and retrain run.

Not a step of the run: Dagster has no step that always runs last, and a step downstream of
the checks is skipped exactly when a blocking check fails, which is when the docs matter
most. So the CLI's runner publishes after its run (orchestration/runner.py), and for runs
launched from the UI or a schedule these sensors do, on success and on failure alike.
"""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from crm.connectors import crm_layout
from expectations.data_docs import publish_data_docs
from expectations.suites import for_raw_schema, load_registry
from orchestration.jobs import morning_job, retrain_job
from orchestration.resources import MomentumResource
from warehouse.server import pipeline_warehouse_url
from warehouse.settings import Settings


def publish_run_data_docs(settings: Settings, warehouse_url: str | None = None) -> Path:
    """The Data Docs of the last validation of every registered suite; returns the index.html."""
    url = warehouse_url or pipeline_warehouse_url(settings)
    # The configured CRM's raw suites only: a warehouse that switched CRMs keeps the old source's results.
    validations = for_raw_schema(load_registry(), crm_layout(settings).schema)
    return publish_data_docs(url, settings.data_docs_dir, [v.name for v in validations])


def _build_sensor(status: dg.DagsterRunStatus) -> dg.SensorDefinition:
    @dg.run_status_sensor(
        run_status=status,
        name=f"data_docs_after_{status.value.lower()}",
        monitored_jobs=[morning_job, retrain_job],
        default_status=dg.DefaultSensorStatus.RUNNING,
        description="Rebuild the Great Expectations Data Docs from the checks this run stored.",
    )
    def _sensor(context: dg.RunStatusSensorContext, momentum: MomentumResource):
        index = publish_run_data_docs(momentum.settings(), momentum.url())
        context.log.info(f"Data Docs for run {context.dagster_run.run_id[:8]}: {index}")

    return _sensor


data_docs_sensors = [_build_sensor(dg.DagsterRunStatus.SUCCESS), _build_sensor(dg.DagsterRunStatus.FAILURE)]
