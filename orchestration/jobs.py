"""The two jobs and their schedules."""

import dagster as dg

from orchestration.dbt_project.assets import dbt_model_key, dbt_warehouse_models
from orchestration.extract.assets import extract_crm_objects
from orchestration.ml.assets import MODEL_KEYS, slip_champion, slip_model, win_champion, win_model
from orchestration.ml.backtest_asset import deal_scores_backtest
from orchestration.resources import AS_OF_TAG

# A run executes in one process, whoever launches it (the CLI, the schedule, the UI): its resources, the
# warehouse's run lock among them (orchestration/resources.py), are set up once and held to the run's end,
# and a run launched by the schedule behaves as `momentum run` does.
ONE_PROCESS = dg.in_process_executor

# The morning job never trains: it scores with whatever models are champion (the backtest trains too).
morning_job = dg.define_asset_job(
    "morning",
    selection=dg.AssetSelection.all() - dg.AssetSelection.assets(*MODEL_KEYS, deal_scores_backtest),
    description="Extract the CRM, build and check the warehouse, score deals, pick TMVAs, sync back to the CRM.",
    executor_def=ONE_PROCESS,
)

# Retraining refreshes what the model trains on first, so it never trains on yesterday's snapshots. All
# warehouse models, not only the model's ancestors: dbt's relationship tests read the sibling models.
retrain_job = dg.define_asset_job(
    "retrain",
    selection=dg.AssetSelection.assets(
        extract_crm_objects,
        dbt_warehouse_models,
        win_model,
        slip_model,
        win_champion,
        slip_champion,
        deal_scores_backtest,
    ),
    description="Rebuild the snapshots, train win and slip challengers, promote each when not worse than its champion, "
    "and rerun the walk-forward forecast backtest.",
    executor_def=ONE_PROCESS,
)

# The backtest alone and the forecast models over its scores (`momentum forecast backtest --rerun`, or the UI):
# a data engineer reruns it after changing the models or the forecast, without a whole retrain. Never the CRM
# syncs: the AI forecast category's cuts learn from backtest scores, so the opportunity payload lies downstream,
# but a rerun of the backtest must not write the CRM (the next morning does, through its guard). The view over
# the morning's scores is rebuilt too: the forecast models read it beside the backtest's, and after an upgrade
# that added a score column it would otherwise lack the column until the next morning.
forecast_backtest_job = dg.define_asset_job(
    "forecast_backtest",
    selection=(
        dg.AssetSelection.assets(deal_scores_backtest).downstream()
        | dg.AssetSelection.assets(dbt_model_key("stg_ml__deal_scores"))
    )
    - dg.AssetSelection.key_prefixes("reverse_etl"),
    description="Rerun the walk-forward forecast backtest and rebuild the forecast marts over it.",
    executor_def=ONE_PROCESS,
)


def build_schedules(timezone: str) -> list[dg.ScheduleDefinition]:
    @dg.schedule(job=morning_job, cron_schedule="0 6 * * *", execution_timezone=timezone, name="morning_at_6")
    def morning_at_6(context: dg.ScheduleEvaluationContext):
        as_of = context.scheduled_execution_time.date()
        return dg.RunRequest(run_key=as_of.isoformat(), tags={AS_OF_TAG: as_of.isoformat()})

    # Monday 04:00, two hours before the morning run, so Monday's scores come from the fresh champion.
    @dg.schedule(
        job=retrain_job, cron_schedule="0 4 * * 1", execution_timezone=timezone, name="weekly_retrain"
    )
    def weekly_retrain(context: dg.ScheduleEvaluationContext):
        as_of = context.scheduled_execution_time.date()
        return dg.RunRequest(run_key=as_of.isoformat(), tags={AS_OF_TAG: as_of.isoformat()})

    return [morning_at_6, weekly_retrain]
