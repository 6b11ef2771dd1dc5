"""MLflow access for the models (one registered model per target, ml/data/targets.py): the explicit client, the experiment, registering and loading versions.

Always an explicit `MlflowClient(tracking_uri=..., registry_uri=...)`: no global tracking URI and no
fluent runs, so two pipelines (or two tests) in one process never write into each other's store.
Scoring loads the `champion` alias, never "latest version".
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass

import numpy as np
import pandas as pd
from mlflow import MlflowClient
from mlflow.entities.model_registry import ModelVersion
from mlflow.exceptions import MlflowException
from mlflow.protos.databricks_pb2 import RESOURCE_DOES_NOT_EXIST, ErrorCode

from ml.registry.pyfunc import load_pyfunc_predictor
from ml.training.predictor import Predictor

CHAMPION = "champion"
CHALLENGER = "challenger"
MODEL_ARTIFACT_PATH = "model"


@dataclass(frozen=True)
class LoadedModel:
    """A registered model version loaded into memory (scoring, and the TMVA engine's counterfactuals)."""

    name: str
    version: str
    run_id: str | None
    predictor: Predictor

    def predict_proba(self, features: pd.DataFrame) -> np.ndarray:
        """Calibrated P(won) per row; `features` needs the model's feature columns (extra columns are fine)."""
        return self.predictor.predict_proba(features)

    def contributions(self, features: pd.DataFrame) -> pd.DataFrame:
        return self.predictor.contributions(features)


def mlflow_client(tracking_uri: str, registry_uri: str | None = None) -> MlflowClient:
    """The registry lives in the tracking store unless told otherwise (one Postgres database in dev)."""
    return MlflowClient(tracking_uri=tracking_uri, registry_uri=registry_uri or tracking_uri)


def ensure_experiment(client: MlflowClient, artifact_root: str, experiment_name: str) -> str:
    """The experiment's id, creating it with artifacts under file://<artifact_root>/<experiment_name>."""
    experiment = client.get_experiment_by_name(experiment_name)
    if experiment is not None:
        return experiment.experiment_id
    location = artifact_root if "://" in artifact_root else f"file://{artifact_root}"
    return client.create_experiment(
        experiment_name, artifact_location=f"{location.rstrip('/')}/{experiment_name}"
    )


def register_challenger(
    client: MlflowClient, run_id: str, *, model_name: str, description: str
) -> ModelVersion:
    """A new version from the run's pyfunc, with the `challenger` alias moved onto it."""
    if not _exists(lambda: client.get_registered_model(model_name)):
        client.create_registered_model(model_name, description=description)
    source = f"{client.get_run(run_id).info.artifact_uri}/{MODEL_ARTIFACT_PATH}"
    version = client.create_model_version(model_name, source=source, run_id=run_id)
    client.set_registered_model_alias(model_name, CHALLENGER, version.version)
    return version


def alias_version(client: MlflowClient, model_name: str, alias: str) -> str | None:
    """The version an alias points at, or None when the model or the alias does not exist yet."""
    model = _exists(lambda: client.get_registered_model(model_name))
    version = None if model is None else model.aliases.get(alias)
    return None if version is None else str(version)


def load_version(client: MlflowClient, model_name: str, version: str) -> LoadedModel:
    """`models:/<name>/<version>` in memory."""
    return _load(client, client.get_model_version(model_name, version))


def load_champion(
    tracking_uri: str, *, model_name: str, registry_uri: str | None = None
) -> LoadedModel | None:
    """`models:/<model_name>@champion` in memory , or None while no model has been promoted.

    Nothing is cached: every call re-reads the alias, so a retrain or a rollback takes effect at the
    next call, and a long-running process never scores with a demoted model."""
    client = mlflow_client(tracking_uri, registry_uri)
    if alias_version(client, model_name, CHAMPION) is None:
        return None
    return _load(client, client.get_model_version_by_alias(model_name, CHAMPION))


def _load(client: MlflowClient, model_version: ModelVersion) -> LoadedModel:
    """Download the version's pyfunc into a temporary directory and load it (the files are not needed
    after loading: the booster, calibrator and contract are then in memory)."""
    with tempfile.TemporaryDirectory(prefix="momentum-win-model-") as directory:
        # register_challenger's source is always <run artifacts>/model, so the run names the files.
        local = client.download_artifacts(model_version.run_id, MODEL_ARTIFACT_PATH, directory)
        predictor = load_pyfunc_predictor(local)
    return LoadedModel(model_version.name, str(model_version.version), model_version.run_id, predictor)


def _exists(fetch):
    """The fetched entity, or None when MLflow says it does not exist (no model, no alias)."""
    try:
        return fetch()
    except MlflowException as error:
        if error.error_code == ErrorCode.Name(RESOURCE_DOES_NOT_EXIST):
            return None
        raise
