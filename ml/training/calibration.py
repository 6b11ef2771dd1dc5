"""Map the boosted trees' raw scores (log-odds) to probabilities that match observed win rates.

Fitted on the calibration slice, which the trees never saw. Stored as plain numbers (JSON), not a pickle,
so a model in the registry stays readable across library upgrades.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression

# Isotonic regression is a step function with one free step per distinct score; below ~1000 calibration
# rows it overfits (scikit-learn's own guidance), so smaller slices get Platt's two-parameter sigmoid.
ISOTONIC_MIN_ROWS = 1000
# No open deal is 99% certain: isotonic steps reach exact 0 or 1 at the ends of the score range (one surprise
# would then cost infinite log loss), and below 1% a rep treats a deal as dead anyway.
PROBABILITY_FLOOR = 0.01


@dataclass(frozen=True)
class Calibrator:
    method: str  # "platt" or "isotonic"
    parameters: dict[str, list[float]] = field(default_factory=dict)

    def apply(self, raw_scores: np.ndarray) -> np.ndarray:
        raw = np.asarray(raw_scores, dtype="float64")
        if self.method == "platt":
            (slope,), (intercept,) = self.parameters["slope"], self.parameters["intercept"]
            probabilities = 1.0 / (1.0 + np.exp(-(slope * raw + intercept)))
        elif self.method == "isotonic":
            # np.interp holds the end values beyond the fitted range, like out_of_bounds="clip".
            probabilities = np.interp(raw, self.parameters["raw"], self.parameters["probability"])
        else:
            raise ValueError(f"unknown calibration method {self.method!r}")
        return np.clip(probabilities, PROBABILITY_FLOOR, 1.0 - PROBABILITY_FLOOR)

    def to_dict(self) -> dict:
        return {"method": self.method, "parameters": self.parameters}

    @classmethod
    def from_dict(cls, data: dict) -> Calibrator:
        return cls(method=data["method"], parameters={k: list(v) for k, v in data["parameters"].items()})


def fit_calibrator(raw_scores: np.ndarray, labels: np.ndarray) -> Calibrator:
    raw = np.asarray(raw_scores, dtype="float64")
    y = np.asarray(labels, dtype="int64")
    if len(raw) >= ISOTONIC_MIN_ROWS:
        isotonic = IsotonicRegression(out_of_bounds="clip", y_min=0.0, y_max=1.0).fit(raw, y)
        return Calibrator(
            "isotonic",
            {"raw": isotonic.X_thresholds_.tolist(), "probability": isotonic.y_thresholds_.tolist()},
        )
    # C=1e6: effectively unregularised; two parameters cannot overfit even a few dozen rows.
    logistic = LogisticRegression(C=1e6).fit(raw.reshape(-1, 1), y)
    slope, intercept = float(logistic.coef_[0, 0]), float(logistic.intercept_[0])
    if slope <= 0:
        # A calibrator must never turn the trees' ranking upside down. A negative slope means the calibration
        # slice contradicts the trees (on the demo preset: 10 won deals for the slip model, which inverted
        # its holdout AUC to 0.27). The best non-negative slope is then 0: every deal gets the slice's
        # base rate, an honest "no usable signal".
        rate = float(np.clip(y.mean(), PROBABILITY_FLOOR, 1 - PROBABILITY_FLOOR))
        slope, intercept = 0.0, float(np.log(rate / (1 - rate)))
    return Calibrator("platt", {"slope": [slope], "intercept": [intercept]})
