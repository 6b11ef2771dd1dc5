"""The one Dagster `Definitions`: every asset, check, job and schedule of Momentum."""

from __future__ import annotations

import dagster as dg

from orchestration.ingest.assets import extract_crm_objects
from orchestration.jobs import build_schedules, morning_job, retrain_job
from orchestration.modeling.assets import deal_scores, slip_champion, slip_model, win_champion, win_model
from orchestration.modeling.checks import promotion_checks
from orchestration.modeling.drift_checks import drift_checks, retrain_on_drift
from orchestration.playbook.assets import tmva_daily
from orchestration.quality.checks import expectation_checks
from orchestration.quality.data_docs import data_docs_sensors
from orchestration.resources import build_resources
from orchestration.sync.assets import crm_sync_assets
from orchestration.transform.assets import dbt_output_models, dbt_warehouse_models
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
        tmva_daily,
        dbt_output_models,
        *crm_sync_assets,
    ],
    asset_checks=[*expectation_checks, *promotion_checks, *drift_checks],
    jobs=[morning_job, retrain_job],
    schedules=build_schedules(settings.schedule_timezone),
    sensors=[*data_docs_sensors, retrain_on_drift],
    resources=build_resources(settings),
)
