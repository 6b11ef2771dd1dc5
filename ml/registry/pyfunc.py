"""The win model as an MLflow pyfunc: what the registry stores and `models:/momentum_win@champion` loads.

Saved as "models from code" (MLflow's recommended format): the model directory holds the three plain
files of `Predictor` plus `pyfunc_entry.py`, which imports this module. Nothing is pickled, so loading
runs no stored bytecode. The entry imports the installed `ml` package rather than a copy bundled with
the model (no code_paths): a bundled copy would shadow the installed one with stale code.
"""

from __future__ import annotations

import tempfile
from importlib.metadata import version
from pathlib import Path

import mlflow
import pandas as pd
from mlflow.models import Model, ModelSignature
from mlflow.types import ColSpec, Schema

from ml.training.predictor import Predictor

ENTRY_FILE = Path(__file__).with_name("pyfunc_entry.py")
MLMODEL_FILE = "MLmodel"
# The repository's pyproject.toml + uv.lock travel with each model: they pin the environment the `ml`
# package needs at load time. Passed explicitly so the result does not depend on the working directory.
PROJECT_ROOT = Path(__file__).resolve().parents[2]
# Listed, not inferred: MLflow's inference imports the model in a subprocess and takes ~10 s per save.
REQUIREMENTS = [
    f"{name}=={version(name)}" for name in ("mlflow", "lightgbm", "scikit-learn", "pandas", "numpy")
]


class PyfuncModel(mlflow.pyfunc.PythonModel):
    """pyfunc wrapper: predict() returns a frame with one column, p_win or p_slip (calibrated)."""

    predictor: Predictor

    def load_context(self, context) -> None:
        self.predictor = Predictor.load(context.artifacts)

    def predict(self, context, model_input: pd.DataFrame, params=None) -> pd.DataFrame:
        probabilities = self.predictor.predict_proba(model_input)
        return pd.DataFrame({self.predictor.output_column: probabilities}, index=model_input.index)


def signature_for(predictor: Predictor) -> ModelSignature:
    """Inputs: every contract column (numbers and booleans as double, categoricals as string)."""
    inputs = [
        ColSpec("string" if column in predictor.categories else "double", column)
        for column in predictor.feature_columns
    ]
    return ModelSignature(inputs=Schema(inputs), outputs=Schema([ColSpec("double", predictor.output_column)]))


def save_pyfunc(predictor: Predictor, path: Path, input_example: pd.DataFrame) -> None:
    """Write the pyfunc model directory at `path` (which must not exist yet)."""
    with tempfile.TemporaryDirectory(prefix="momentum-win-parts-") as parts:
        artifacts = predictor.save(Path(parts))
        mlflow.pyfunc.save_model(
            path=str(path),
            python_model=str(ENTRY_FILE),
            artifacts=artifacts,
            signature=signature_for(predictor),
            input_example=predictor.inputs(input_example.head(5)),
            pip_requirements=REQUIREMENTS,
            uv_project_path=PROJECT_ROOT if (PROJECT_ROOT / "uv.lock").exists() else None,
        )


def load_pyfunc_predictor(model_directory: str) -> Predictor:
    """The predictor of a downloaded pyfunc directory, read from its artifact files.

    Read through the MLmodel file rather than `mlflow.pyfunc.load_model`, which would run the entry file
    saved with the model: models saved before ml/ was regrouped import `ml.pyfunc_model`, which no longer
    exists, and every version must stay loadable (a rollback may need it)."""
    directory = Path(model_directory)
    flavor = Model.load(str(directory / MLMODEL_FILE)).flavors["python_function"]
    return Predictor.load({name: str(directory / spec["path"]) for name, spec in flavor["artifacts"].items()})
