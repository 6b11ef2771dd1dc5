"""The one Dagster `Definitions`: every asset, check, job and schedule of Momentum."""

from __future__ import annotations

import dagster as dg

from orchestration.actions.assets import tmva_daily
from orchestration.dbt_project.assets import dbt_output_models, dbt_warehouse_models
from orchestration.expectations.checks import expectation_checks
from orchestration.expectations.data_docs import data_docs_sensors
from orchestration.extract.assets import extract_crm_objects
from orchestration.jobs import build_schedules, forecast_backtest_job, morning_job, retrain_job
from orchestration.ml.assets import deal_scores, slip_champion, slip_model, win_champion, win_model
from orchestration.ml.backtest_asset import deal_scores_backtest
from orchestration.ml.checks import promotion_checks
from orchestration.ml.drift_checks import drift_checks, retrain_on_drift
from orchestration.resources import build_resources
from orchestration.reverse_etl.assets import reverse_etl_assets
from warehouse.settings import load_settings

settings = load_settings()

defs = dg.Definitions(
    assets=[
        extract_crm_objects,
        dbt_warehouse_models,
        win_model,
        slip_model,
        win_champion,
        slip_champion,
        deal_scores,
        deal_scores_backtest,
        tmva_daily,
        dbt_output_models,
        *reverse_etl_assets,
    ],
    asset_checks=[*expectation_checks, *promotion_checks, *drift_checks],
    jobs=[morning_job, retrain_job, forecast_backtest_job],
    schedules=build_schedules(settings.schedule_timezone),
    sensors=[*data_docs_sensors, retrain_on_drift],
    resources=build_resources(settings),
)
