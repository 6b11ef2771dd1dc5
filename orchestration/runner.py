"""Run a job of the Definitions in this process, with progress on the console and a summary after."""

from __future__ import annotations

import contextlib
import os
import socket
import sys
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import dagster as dg

from orchestration.resources import AS_OF_TAG, FULL_REFRESH_TAG, HOST_TAG, PID_TAG
from warehouse.run_lock import hold_run_lock
from warehouse.server import warehouse_url
from warehouse.settings import Settings

# Which process on which host runs a run: a run still STARTED whose process is gone was killed.


@dataclass
class JobReport:
    job_name: str
    run_id: str
    success: bool
    as_of: date
    step_seconds: dict[str, float] = field(default_factory=dict)
    failed_checks: list[str] = field(default_factory=list)
    warned_checks: list[str] = field(default_factory=list)
    failed_steps: list[str] = field(default_factory=list)
    model_outcomes: dict[str, str] = field(default_factory=dict)
    """What each model asset did, by asset key: trained and registered, promoted, or why not."""
    extract_counts: dict[str, dict[str, int]] = field(default_factory=dict)
    """Per CRM object extracted in this run: rejected, deleted, restored and held (extract/load.py)."""
    raw_schema: str = "raw_crm"
    """Where the extract landed them (the configured CRM's layout, extract/layout.py)."""
    owner_routing: dict[str, int] = field(default_factory=dict)
    """TMVA deals advised to the owner's manager, or held for want of an active owner (actions/owners.py)."""
    deals_without_amount: int = 0
    """Open deals no TMVA could be valued for: no amount (actions/coverage.py)."""
    reps_without_tmva: dict[str, int] = field(default_factory=dict)
    """Reps with open deals but no TMVA, by reason (actions/coverage.py)."""
    dry_runs: dict[str, dict] = field(default_factory=dict)
    """Per sync run dry: its per-field counts, sample and message (orchestration/reverse_etl/assets.py)."""
    log_path: Path | None = None
    data_docs: Path | None = None
    data_docs_error: str | None = None


def run_job(
    settings: Settings,
    job_name: str,
    as_of: date,
    *,
    instance: dg.DagsterInstance | None = None,
    log_path: Path | None = None,
    full_refresh: bool = False,
    op_config: dict | None = None,
) -> JobReport:
    """Run `job_name` for `as_of`. With `log_path`, the run's full output (dbt's log lines included) goes
    there and the console gets one line per step.

    The run holds the warehouse's run lock throughout (warehouse/run_lock.py): another run waits up to
    MOMENTUM_RUN_WAIT seconds, then raises RunLockBusy, which the CLI says in one line. `op_config` is the
    run config's `ops` part (the CRM syncs' dry run and releases: orchestration/reverse_etl/run_config.py)."""
    # The admin's URL: the lock comes before anything else touches the warehouse, the pipeline role's grants
    # included (advisory locks belong to the database, whoever takes them).
    with hold_run_lock(warehouse_url(settings), what=job_name, wait_seconds=settings.run_wait_seconds):
        return _run_job(
            settings,
            job_name,
            as_of,
            instance=instance,
            log_path=log_path,
            full_refresh=full_refresh,
            op_config=op_config or {},
        )


def _run_job(
    settings: Settings,
    job_name: str,
    as_of: date,
    *,
    instance: dg.DagsterInstance | None,
    log_path: Path | None,
    full_refresh: bool,
    op_config: dict,
) -> JobReport:
    if instance is None:
        settings.dagster_home.mkdir(parents=True, exist_ok=True)
        config = settings.dagster_home / "dagster.yaml"
        if not config.exists():
            # Dagster's defaults (run history in files under DAGSTER_HOME), minus telemetry: no internet here.
            config.write_text("telemetry:\n  enabled: false\n")
        os.environ.setdefault("DAGSTER_HOME", str(settings.dagster_home))
        instance = dg.DagsterInstance.get()
    close_runs_of_dead_processes(instance)
    from orchestration import progress
    from orchestration.dbt_project.manifest import prepare_manifest

    prepare_manifest()  # the definitions are built from the manifest; they never parse dbt themselves
    from orchestration.definitions import defs

    job = defs.resolve_job_def(job_name).with_logger_defs({"progress": progress.step_progress_logger})
    progress.console = sys.stdout
    with contextlib.ExitStack() as stack:
        if log_path is not None:
            log_path.parent.mkdir(parents=True, exist_ok=True)
            stack.enter_context(contextlib.redirect_stdout(stack.enter_context(log_path.open("a"))))
        result = job.execute_in_process(
            instance=instance,
            tags={
                AS_OF_TAG: as_of.isoformat(),
                PID_TAG: str(os.getpid()),
                HOST_TAG: socket.gethostname(),
                **({FULL_REFRESH_TAG: "true"} if full_refresh else {}),
            },
            run_config={"loggers": {"progress": {}}, **({"ops": op_config} if op_config else {})},
            raise_on_error=False,
        )
    report = JobReport(job_name, result.run_id, result.success, as_of, log_path=log_path)
    for event in result.all_events:
        if event.event_type_value == "STEP_SUCCESS":
            report.step_seconds[event.step_key] = event.event_specific_data.duration_ms / 1000
        elif event.event_type_value == "STEP_FAILURE":
            report.failed_steps.append(event.step_key)
        elif event.event_type_value == "ASSET_MATERIALIZATION":
            materialization = event.event_specific_data.materialization
            if materialization.asset_key.path[0] == "ml" and "outcome" in materialization.metadata:
                outcome = materialization.metadata["outcome"].value
                report.model_outcomes[materialization.asset_key.to_user_string()] = outcome
            _collect_data_counts(report, materialization)
        elif event.event_type_value == "ASSET_CHECK_EVALUATION" and not event.event_specific_data.passed:
            evaluation = event.event_specific_data
            line = f"{evaluation.check_name} on {evaluation.asset_key.to_user_string()}: {evaluation.description or ''}"
            blocking = evaluation.severity == dg.AssetCheckSeverity.ERROR
            (report.failed_checks if blocking else report.warned_checks).append(line)
    _publish_data_docs(settings, report)
    return report


def close_runs_of_dead_processes(instance: dg.DagsterInstance) -> list[str]:
    """Mark as failed the runs this instance still has STARTED whose process on this host is gone (a killed
    `momentum run`), so the UI and the run history stop showing them as running. Returns their run ids."""
    closed = []
    started = instance.get_runs(filters=dg.RunsFilter(statuses=[dg.DagsterRunStatus.STARTED]))
    for run in started:
        pid, host = run.tags.get(PID_TAG), run.tags.get(HOST_TAG)
        if pid is None or host != socket.gethostname() or _alive(int(pid)):
            continue  # not ours to judge: a run the UI launched, another host's, or one still running
        instance.report_run_failed(run, f"the process running it (pid {pid}) ended without finishing it")
        closed.append(run.run_id)
    return closed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


EXTRACT_COUNTS = ("rejected", "deleted", "restored", "held")
OWNER_ROUTING_COUNTS = ("deals_rerouted_to_manager", "deals_held_no_active_owner")
REPS_WITHOUT_TMVA_PREFIX = (
    "reps without TMVA: "  # + the reason (actions/coverage.py): the TMVA asset's metadata
)


def _collect_data_counts(report: JobReport, materialization: dg.AssetMaterialization) -> None:
    """The extract's quarantine and deletion counts and the TMVAs' owner routing, for the run summary."""
    metadata = materialization.metadata
    if materialization.asset_key.path[0].startswith("raw_") and "rejected" in metadata:
        report.raw_schema = materialization.asset_key.path[0]
        report.extract_counts[materialization.asset_key.path[-1]] = {
            name: int(metadata[name].value) for name in EXTRACT_COUNTS if name in metadata
        }
    elif materialization.asset_key.path[0] == "reverse_etl" and "dry_run_field_counts" in metadata:
        report.dry_runs[materialization.asset_key.path[-1]] = {
            "field_counts": metadata["dry_run_field_counts"].value,
            "sample": metadata["dry_run_sample"].value,
            "message": metadata["dry_run_message"].value,
        }
    elif OWNER_ROUTING_COUNTS[0] in metadata:
        report.owner_routing = {
            name: int(metadata[name].value) for name in OWNER_ROUTING_COUNTS if name in metadata
        }
        report.deals_without_amount = (
            int(metadata["deals_without_amount"].value) if "deals_without_amount" in metadata else 0
        )
        report.reps_without_tmva = {
            name.removeprefix(REPS_WITHOUT_TMVA_PREFIX): int(entry.value)
            for name, entry in metadata.items()
            if name.startswith(REPS_WITHOUT_TMVA_PREFIX)
        }


def _publish_data_docs(settings: Settings, report: JobReport) -> None:
    """After the run, failed or not (orchestration/expectations/data_docs.py says why not as a step)."""
    from orchestration.expectations.data_docs import publish_run_data_docs  # late, as the definitions above

    try:
        report.data_docs = publish_run_data_docs(settings)
    except Exception as exc:  # the run's outcome matters more than its report; the summary says why
        report.data_docs_error = f"{type(exc).__name__}: {exc}"
