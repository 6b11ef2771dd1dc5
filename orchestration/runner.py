"""Run a job of the Definitions in this process, with progress on the console and a summary after."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import date

import dagster as dg

from orchestration.resources import AS_OF_TAG
from warehouse.settings import Settings


@dataclass
class JobReport:
    job_name: str
    run_id: str
    success: bool
    as_of: date
    step_seconds: dict[str, float] = field(default_factory=dict)
    failed_checks: list[str] = field(default_factory=list)
    failed_steps: list[str] = field(default_factory=list)


def run_job(
    settings: Settings, job_name: str, as_of: date, *, instance: dg.DagsterInstance | None = None
) -> JobReport:
    if instance is None:
        settings.dagster_home.mkdir(parents=True, exist_ok=True)
        os.environ.setdefault("DAGSTER_HOME", str(settings.dagster_home))
        instance = dg.DagsterInstance.get()
    from orchestration.definitions import defs  # imported late: loading it parses the dbt project
    from orchestration.progress import step_progress_logger

    job = defs.resolve_job_def(job_name).with_logger_defs({"progress": step_progress_logger})
    result = job.execute_in_process(
        instance=instance,
        tags={AS_OF_TAG: as_of.isoformat()},
        run_config={"loggers": {"progress": {}}},
        raise_on_error=False,
    )
    report = JobReport(job_name, result.run_id, result.success, as_of)
    for event in result.all_events:
        if event.event_type_value == "STEP_SUCCESS":
            report.step_seconds[event.step_key] = event.event_specific_data.duration_ms / 1000
        elif event.event_type_value == "STEP_FAILURE":
            report.failed_steps.append(event.step_key)
        elif event.event_type_value == "ASSET_CHECK_EVALUATION" and not event.event_specific_data.passed:
            evaluation = event.event_specific_data
            description = evaluation.description or ""
            report.failed_checks.append(
                f"{evaluation.check_name} on {evaluation.asset_key.to_user_string()}: {description}"
            )
    return report
