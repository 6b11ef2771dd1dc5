"""Log one training run to MLflow: tags, params, metrics (batched), plots, model card, feature list, the
feature profile the drift check compares against (ml/monitoring/measures.py) and the pyfunc model. One run per training; a run that fails half-way is marked FAILED, never left RUNNING."""

from __future__ import annotations

import json
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd
from mlflow import MlflowClient
from mlflow.entities import Metric, Param

from ml.data.targets import Target
from ml.monitoring.measures import PROFILE_ARTIFACT, save_profile
from ml.registry.client import MODEL_ARTIFACT_PATH
from ml.registry.pyfunc import save_pyfunc
from ml.training.plots import save_calibration_plot, save_importance_plot
from ml.training.predictor import Predictor

# MLflow accepts at most 100 params and 1000 metrics per log_batch call.
PARAMS_PER_BATCH = 100
METRICS_PER_BATCH = 1000


def log_training_run(
    client: MlflowClient,
    experiment_id: str,
    *,
    target: Target,
    run_name: str,
    tags: Mapping[str, object],
    params: Mapping[str, object],
    metrics: Mapping[str, float],
    predictor: Predictor,
    calibration_curves: Mapping[str, tuple[np.ndarray, np.ndarray]],
    model_card: str,
    input_example: pd.DataFrame,
    feature_profile: Mapping[str, dict],
) -> str:
    """Create the run, log everything, mark it FINISHED; returns the run id."""
    run = client.create_run(experiment_id, run_name=run_name, tags={k: str(v) for k, v in tags.items()})
    run_id = run.info.run_id
    try:
        _log_values(client, run_id, params, metrics)
        with tempfile.TemporaryDirectory(prefix="momentum-win-run-") as directory:
            root = Path(directory) / "artifacts"
            root.mkdir()
            (root / "features.json").write_text(json.dumps(list(predictor.feature_columns), indent=2))
            (root / "model_card.md").write_text(model_card)
            save_profile(feature_profile, root / PROFILE_ARTIFACT)
            save_calibration_plot(root / "calibration.png", calibration_curves, target)
            save_importance_plot(root / "feature_importance.png", predictor.booster)
            client.log_artifacts(run_id, str(root))
            model_directory = Path(directory) / MODEL_ARTIFACT_PATH
            save_pyfunc(predictor, model_directory, input_example)
            client.log_artifacts(run_id, str(model_directory), MODEL_ARTIFACT_PATH)
    except BaseException:
        client.set_terminated(run_id, status="FAILED")
        raise
    client.set_terminated(run_id, status="FINISHED")
    return run_id


def _log_values(
    client: MlflowClient, run_id: str, params: Mapping[str, object], metrics: Mapping[str, float]
) -> None:
    timestamp = int(time.time() * 1000)
    param_items = [Param(key, str(value)) for key, value in params.items()]
    metric_items = [Metric(key, float(value), timestamp, 0) for key, value in metrics.items()]
    for start in range(0, len(param_items), PARAMS_PER_BATCH):
        client.log_batch(run_id, params=param_items[start : start + PARAMS_PER_BATCH])
    for start in range(0, len(metric_items), METRICS_PER_BATCH):
        client.log_batch(run_id, metrics=metric_items[start : start + METRICS_PER_BATCH])
