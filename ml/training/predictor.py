"""A trained win model in memory: LightGBM booster + calibrator + the feature contract it was trained on.

The contract travels with the model, so an older champion keeps reading the columns it was trained on
even after FEATURE_COLUMNS changes. On disk it is three plain files (LightGBM's text format and two JSON
files) that the MLflow pyfunc wraps; nothing is pickled.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import lightgbm as lgb
import numpy as np
import pandas as pd

from ml.data.features import model_inputs, model_matrix
from ml.training.calibration import Calibrator

BOOSTER_FILE = "booster.txt"
CALIBRATOR_FILE = "calibrator.json"
CONTRACT_FILE = "feature_contract.json"
# Below ~100k rows LightGBM's OpenMP threads cost more to synchronise than they save. Measured on 3.4k
# snapshots x 200 rounds on a 2-core machine: 0.14 s on 1 thread, 0.56 s on 2, 2.5 s with OpenMP's default.
SINGLE_THREAD_MAX_ROWS = 100_000


def lightgbm_threads(rows: int) -> int:
    return 1 if rows < SINGLE_THREAD_MAX_ROWS else len(os.sched_getaffinity(0))


@dataclass(frozen=True)
class Predictor:
    booster: lgb.Booster
    calibrator: Calibrator
    feature_columns: tuple[str, ...]
    categories: Mapping[str, Sequence[str]]
    output_column: str = "p_win"
    """What the probability is called (p_win, p_slip): the pyfunc's output column."""

    def inputs(self, frame: pd.DataFrame) -> pd.DataFrame:
        """The frame as the pyfunc signature describes it (floats and strings)."""
        return model_inputs(frame, self.feature_columns, self.categories)

    def matrix(self, frame: pd.DataFrame) -> pd.DataFrame:
        return model_matrix(frame, self.feature_columns, self.categories)

    def raw_scores(self, frame: pd.DataFrame) -> np.ndarray:
        return self.booster.predict(
            self.matrix(frame), raw_score=True, num_threads=lightgbm_threads(len(frame))
        )

    def predict_proba(self, frame: pd.DataFrame) -> np.ndarray:
        """Calibrated P(label = 1) per row of any frame holding the contract's feature columns."""
        return self.calibrator.apply(self.raw_scores(frame))

    def contributions(self, frame: pd.DataFrame) -> pd.DataFrame:
        """LightGBM's per-row contributions to the raw score (log-odds), one column per feature.

        The calibrator is monotone, so a positive contribution always raises p_win.
        """
        values = self.booster.predict(
            self.matrix(frame), pred_contrib=True, num_threads=lightgbm_threads(len(frame))
        )
        return pd.DataFrame(values[:, :-1], columns=list(self.feature_columns), index=frame.index)

    def save(self, directory: Path) -> dict[str, str]:
        """Write the three files; returns them by name, as MLflow's `artifacts` mapping wants."""
        directory.mkdir(parents=True, exist_ok=True)
        paths = {name: directory / name for name in (BOOSTER_FILE, CALIBRATOR_FILE, CONTRACT_FILE)}
        self.booster.save_model(str(paths[BOOSTER_FILE]))
        paths[CALIBRATOR_FILE].write_text(json.dumps(self.calibrator.to_dict(), indent=2))
        contract = {
            "feature_columns": list(self.feature_columns),
            "categories": {k: list(v) for k, v in self.categories.items()},
            "output_column": self.output_column,
        }
        paths[CONTRACT_FILE].write_text(json.dumps(contract, indent=2))
        return {name: str(path) for name, path in paths.items()}

    @classmethod
    def load(cls, paths: Mapping[str, str]) -> Predictor:
        contract = json.loads(Path(paths[CONTRACT_FILE]).read_text())
        return cls(
            booster=lgb.Booster(model_file=paths[BOOSTER_FILE]),
            calibrator=Calibrator.from_dict(json.loads(Path(paths[CALIBRATOR_FILE]).read_text())),
            feature_columns=tuple(contract["feature_columns"]),
            categories={k: tuple(v) for k, v in contract["categories"].items()},
            # Win models saved before the slip model existed have no output_column: they are p_win.
            output_column=contract.get("output_column", "p_win"),
        )
