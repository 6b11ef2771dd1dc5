"""The summary printed after a CLI run: what changed, how long each step took, where to look next."""

from __future__ import annotations

import click

from actions.coverage import gap_lines
from crm.connectors import CrmNotConfigured, crm_destination
from crm.salesforce.data_loader.outbox import outbox_line
from ml.data.targets import WIN
from ml.registry.client import CHAMPION, alias_version, mlflow_client
from orchestration.reverse_etl.summary_lines import sync_lines
from orchestration.runner import JobReport
from warehouse.frames import read_frame, relation_exists
from warehouse.server import mlflow_database_url, mlflow_url_beside, redact, warehouse_url
from warehouse.settings import Settings

# Twenty data-check steps of a tenth of a second each would bury the ones that matter.
SLOWEST_STEPS_SHOWN = 8


def print_run_summary(settings: Settings, reports: list[JobReport], *, total_seconds: float | None) -> None:
    url = warehouse_url(settings)
    writes_files = _writes_data_loader_files(settings)
    for report in reports:
        status = "succeeded" if report.success else "FAILED"
        click.echo(f"\n{report.job_name} job {status} (run {report.run_id[:8]}, as of {report.as_of})")
        for failure in report.failed_checks:
            click.echo(f"  blocking data check failed: {failure}")
        for warning in report.warned_checks:
            click.echo(f"  check warned (run continued): {warning}")
        for asset, outcome in report.model_outcomes.items():
            click.echo(f"  {asset}: {outcome}")
        for line in data_count_lines(report):
            click.echo(f"  {line}")
        for line in sync_lines(url, report):
            click.echo(f"  {line}")
        if writes_files and report.job_name == "morning":  # write-back as files to load by hand
            line = outbox_line(settings.outbox_dir, report.as_of, report.run_id, run_succeeded=report.success)
            if line:
                click.echo(f"  {line}")
        for step in report.failed_steps:
            click.echo(f"  step failed: {step} (details: momentum ui -> Runs -> {report.run_id[:8]})")
        if report.failed_checks or report.failed_steps:
            written = _crm_records_written(url, report.run_id)
            crm = "no CRM record was written" if written == 0 else f"the CRM syncs wrote {written} records"
            click.echo(f"  Nothing downstream of the failure ran; in this run {crm}.")
        if report.data_docs:
            click.echo(f"  data checks: Great Expectations Data Docs at {report.data_docs}")
        elif report.data_docs_error:
            click.echo(f"  data checks: Data Docs could not be built ({report.data_docs_error})")
        if report.step_seconds:
            click.echo("  step timings:")
            slowest = sorted(report.step_seconds.items(), key=lambda item: -item[1])
            for step, seconds in slowest[:SLOWEST_STEPS_SHOWN]:
                click.echo(f"    {seconds:7.1f}s  {step}")
            rest = slowest[SLOWEST_STEPS_SHOWN:]
            if rest:
                click.echo(
                    f"    {sum(seconds for _, seconds in rest):7.1f}s  {len(rest)} more steps (data checks)"
                )
    morning = [report for report in reports if report.job_name == "morning" and report.success]
    if morning:
        _print_outputs(url, morning[-1])
    if total_seconds is not None:
        click.echo(f"\nTotal wall time: {total_seconds:.1f}s")
    click.echo(
        "\nWhere to look next:\n"
        "  momentum ui                      Dagster: asset graph, checks, runs, schedules\n"
        "  momentum dashboard               leadership's dashboard at http://127.0.0.1:8501 (forecast, pipeline, win-loss)\n"
        f"  psql '{redact(url)}'\n"
        "      select * from crm.task where ai_external_id is not null;   -- today's TMVAs as CRM tasks\n"
        "      select * from crm.momentum_forecast;                       -- the forecast per rep and team\n"
        "      select * from reverse_etl.sync_log order by started_at desc; -- what each sync wrote\n"
        "      select * from expectations.validation_results where not success; -- every failed expectation\n"
        f"  .venv/bin/mlflow ui --backend-store-uri '{redact(mlflow_url_beside(url))}'\n"
        f"      {champion_hint(_win_champion_version(settings))}"
    )


def champion_hint(champion_version: str | None) -> str:
    """Where to look in MLflow: the champion when there is one, else why scores come from the stage."""
    if champion_version is None:
        return (
            f"MLflow: experiment momentum-win; no champion yet ({WIN.model_name} has no @champion): scores "
            "come from the stage probability until a retrain promotes a model (momentum retrain)"
        )
    return (
        f"MLflow: experiment momentum-win, registered model {WIN.model_name}@champion (v{champion_version})"
    )


def _win_champion_version(settings: Settings) -> str | None:
    try:
        client = mlflow_client(mlflow_database_url(settings))
        return alias_version(client, WIN.model_name, CHAMPION)
    except Exception:  # the summary's pointer is not worth failing a finished run over; say "no champion"
        return None


def data_count_lines(report: JobReport) -> list[str]:
    """What the extract quarantined, found deleted or held, and whose advice went elsewhere: one line each,
    only when it happened."""
    lines = []

    def per_object(count: str) -> str:
        return ", ".join(
            f"{name} {counts[count]}" for name, counts in report.extract_counts.items() if counts.get(count)
        )

    if quarantined := per_object("rejected"):
        lines.append(
            f"quarantined at extract: {quarantined}; reasons in {report.raw_schema}._rejects "
            f"(where extract_run_id = '{report.run_id}')"
        )
    if deleted := per_object("deleted"):
        lines.append(f"deleted in the CRM (left out of scoring, TMVAs and forecasts from now on): {deleted}")
    if restored := per_object("restored"):
        lines.append(f"restored in the CRM after a deletion: {restored}")
    if held := per_object("held"):
        lines.append(
            f"held (the CRM's newer version is quarantined; not scored or advised until fixed): {held}; "
            f"which: {report.raw_schema}.<object> where _newer_version_rejected is not null"
        )
    rerouted = report.owner_routing.get("deals_rerouted_to_manager", 0)
    held_for_owner = report.owner_routing.get("deals_held_no_active_owner", 0)
    if rerouted or held_for_owner:
        lines.append(
            f"TMVAs: {rerouted} deals advised to the owner's manager (owner inactive), {held_for_owner} held "
            "(owner not an active CRM user and no active manager)"
        )
    return lines + gap_lines(report.deals_without_amount, report.reps_without_tmva)


def _crm_records_written(url: str, run_id: str) -> int:
    """Records the CRM syncs of this run wrote or retired, from the sync log (0 when none ran)."""
    if not relation_exists(url, "reverse_etl.sync_log"):
        return 0
    written = read_frame(
        url,
        "select coalesce(sum(coalesce(written, 0) + coalesce(retired, 0)), 0) as records "
        "from reverse_etl.sync_log where dagster_run_id = %s",
        (run_id,),
    )
    return int(written.iloc[0].records)


def _print_outputs(url: str, report: JobReport) -> None:
    as_of = report.as_of
    if relation_exists(url, "ml.deal_scores"):
        scores = read_frame(
            url,
            "select score_source, model_version, count(*) as deals from ml.deal_scores "
            "where as_of_date = %s group by 1, 2 order by 1, 2",
            (as_of,),
        )
        for row in scores.itertuples():
            click.echo(f"  deals scored: {row.deals} ({row.score_source}, model version {row.model_version})")
    if relation_exists(url, "actions.tmva_daily"):
        tmvas = read_frame(
            url,
            "select count(*) as actions, count(distinct owner_id) as reps from actions.tmva_daily where as_of_date = %s",
            (as_of,),
        ).iloc[0]
        click.echo(f"  TMVAs chosen: {tmvas.actions} for {tmvas.reps} reps")


def _writes_data_loader_files(settings: Settings) -> bool:
    """MOMENTUM_CRM=files on a Salesforce export: the syncs write Data Loader files (a HubSpot export: nothing yet)."""
    if settings.crm != "files":
        return False
    try:
        return crm_destination(settings) is not None
    except CrmNotConfigured:
        return False
