"""The quarter-win model fitted once per training set and kept in MLflow (experiment `momentum-quarter-win`).

Its training rows are the snapshots of the quarters that ended before the day (ml/quarter_wins/history.py), so
they change when a quarter ends, not every morning: the morning job and the backtest's reruns would otherwise
refit the same model each time (about 15 s on the demo, more at scale). Each fit is logged as a run tagged with a
fingerprint of what it learned from (the model's settings and every training row's features and label); the
next caller with the same fingerprint loads that run's booster instead of fitting. Any change to the rows (an
ended quarter, a rebuilt history, a new feature) or to the settings changes the fingerprint and fits anew, so a
cached model is always the model a fit would give.
"""

from __future__ import annotations

import hashlib
import json
import time
from datetime import date

import lightgbm as lgb
import mlflow.artifacts
import numpy as np
import pandas as pd
from mlflow import MlflowClient
from mlflow.entities import Metric, Param

from ml.data.features import FEATURE_COLUMNS
from ml.quarter_wins.history import LABEL, read_quarter_win_rows
from ml.quarter_wins.model import MIN_QUARTER_WINS, PARAMS, ROUNDS, QuarterWinModel, fit_quarter_win_model
from ml.registry.client import ensure_experiment, mlflow_client

EXPERIMENT_NAME = "momentum-quarter-win"
FINGERPRINT_TAG = "momentum.training_fingerprint"
BOOSTER_ARTIFACT = "booster.txt"
CATEGORIES_ARTIFACT = "categories.json"


def quarter_win_model_before(
    warehouse_url: str, tracking_uri: str, artifact_root: str, before: date
) -> QuarterWinModel | None:
    """The quarter-win model of the quarters that ended before `before`: loaded when a run learned from the same
    rows with the same settings, else fitted and logged. None with too few wins to fit one."""
    rows = read_quarter_win_rows(warehouse_url, before=before)
    wins = int(rows[LABEL].sum()) if len(rows) else 0
    if wins < MIN_QUARTER_WINS:
        return None
    fingerprint = training_fingerprint(rows)
    client = mlflow_client(tracking_uri)
    cached = cached_model(client, fingerprint, rows=len(rows), wins=wins)
    if cached is not None:
        return cached
    started = time.perf_counter()
    model = fit_quarter_win_model(rows)
    if model is not None:
        experiment_id = ensure_experiment(client, artifact_root, EXPERIMENT_NAME)
        _log(client, experiment_id, model, fingerprint, before, time.perf_counter() - started)
    return model


def cached_model(client: MlflowClient, fingerprint: str, *, rows: int, wins: int) -> QuarterWinModel | None:
    """The model a finished run logged for this training fingerprint, or None."""
    experiment = client.get_experiment_by_name(EXPERIMENT_NAME)
    if experiment is None:
        return None
    runs = client.search_runs(
        [experiment.experiment_id],
        filter_string=f"tags.`{FINGERPRINT_TAG}` = '{fingerprint}' and attributes.status = 'FINISHED'",
        max_results=1,
    )
    if not runs:
        return None
    artifact_uri = runs[0].info.artifact_uri
    booster = lgb.Booster(model_str=mlflow.artifacts.load_text(f"{artifact_uri}/{BOOSTER_ARTIFACT}"))
    categories = mlflow.artifacts.load_dict(f"{artifact_uri}/{CATEGORIES_ARTIFACT}")
    return QuarterWinModel(booster, {name: tuple(values) for name, values in categories.items()}, rows, wins)


def training_fingerprint(rows: pd.DataFrame) -> str:
    """A hash of the model's settings and of every row's id, date, features and label, whatever their order."""
    settings = json.dumps(
        {"params": PARAMS, "rounds": ROUNDS, "features": list(FEATURE_COLUMNS), "lightgbm": lgb.__version__},
        sort_keys=True,
    )
    columns = ["opportunity_id", "as_of_date", *FEATURE_COLUMNS, LABEL]
    row_hashes = np.sort(pd.util.hash_pandas_object(rows[columns], index=False).to_numpy())
    digest = hashlib.sha256(settings.encode())
    digest.update(row_hashes.tobytes())
    return digest.hexdigest()


def _log(
    client: MlflowClient,
    experiment_id: str,
    model: QuarterWinModel,
    fingerprint: str,
    before: date,
    fit_seconds: float,
) -> None:
    run = client.create_run(
        experiment_id,
        run_name=f"quarters ended before {before.isoformat()}",
        tags={FINGERPRINT_TAG: fingerprint, "momentum.trained_before": before.isoformat()},
    )
    run_id = run.info.run_id
    try:
        timestamp = int(time.time() * 1000)
        params = {"trained_before": before.isoformat(), "rounds": ROUNDS} | {
            f"lgb_{k}": v for k, v in PARAMS.items()
        }
        metrics = model.metrics() | {"fit_seconds": fit_seconds}
        client.log_batch(
            run_id,
            params=[Param(key, str(value)) for key, value in params.items()],
            metrics=[Metric(key, float(value), timestamp, 0) for key, value in metrics.items()],
        )
        client.log_text(run_id, model.booster.model_to_string(), BOOSTER_ARTIFACT)
        client.log_dict(
            run_id, {name: list(values) for name, values in model.categories.items()}, CATEGORIES_ARTIFACT
        )
    except BaseException:
        client.set_terminated(run_id, status="FAILED")
        raise
    client.set_terminated(run_id, status="FINISHED")
