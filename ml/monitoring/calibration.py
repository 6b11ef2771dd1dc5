"""Calibration since training: does a champion still predict the deals that closed since it was trained?

Judged on the snapshots whose outcome was due since training and has become known, once enough of them have
closed (see OUTCOME_DUE_AFTER for why a plain "closed since training" sample is biased). The feature drift
measures live in ml/monitoring/measures.py; ml/monitoring/watch.py runs both against the champion.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from ml.evaluation.metrics import expected_calibration_error

# Calibration since training is judged only on enough closed deals to tell drift from noise; with a
# weekly retrain most weeks have fewer, and the check says so instead of guessing.
MIN_RESOLVED_DEALS = 100
CALIBRATION_WARN_GAP = 0.10
"""Warn when |mean predicted - actual rate| or the ECE of the resolved rows exceeds this."""
# Which outcomes can be judged without bias. A deal's outcome is known when it closes, but deals do not
# close at random: a loss can come any day, a win mostly comes at its close date. So the deals that have
# closed a few days after training are mostly quick losses, and their actual win rate is far below what
# the model (rightly) predicted for them: a censored sample, not a miscalibrated model (the demo warned
# on 10 of 10 mornings). Judged instead: only the snapshots whose outcome was due before today, by the
# snapshot's own dates: for P(win), a close date before today (early losses of later deals are left out
# with the later wins they would be compared against); for P(slip), a close-date quarter ended before
# today (a win inside the quarter is known on the day, a slip only after the quarter ends). Due deals can
# still be open (reps set optimistic close dates: on the demo, 342 of 369 deals due in the first week
# after training had slipped), and those that closed on time are no fair sample either, so calibration
# is judged only once most due deals have closed (MIN_RESOLVED_SHARE); until then the check says so.
OUTCOME_DUE_AFTER = {"label_won": "days_to_close", "label_slipped": "days_to_close_quarter_end"}
"""Per label, the feature holding the days from a snapshot to the day its outcome is due."""
MIN_RESOLVED_SHARE = 0.8


@dataclass(frozen=True)
class CalibrationSinceTraining:
    resolved_deals: int
    rows: int
    mean_predicted: float | None
    actual_rate: float | None
    ece: float | None
    due_deals: int | None = None
    """Deals whose outcome was due, closed or not (None: not counted, every resolved deal counts as due)."""

    @property
    def judged(self) -> bool:
        due = self.resolved_deals if self.due_deals is None else self.due_deals
        return self.resolved_deals >= MIN_RESOLVED_DEALS and self.resolved_deals >= MIN_RESOLVED_SHARE * due

    @property
    def breached(self) -> bool:
        if not self.judged:
            return False
        return (
            abs(self.mean_predicted - self.actual_rate) > CALIBRATION_WARN_GAP
            or self.ece > CALIBRATION_WARN_GAP
        )

    def describe(self, since: date) -> str:
        if not self.judged:
            due = "" if self.due_deals is None else f" of {self.due_deals}"
            return (
                f"{self.resolved_deals}{due} deals due to close since {since} have closed; at least"
                f" {MIN_RESOLVED_DEALS} and {MIN_RESOLVED_SHARE:.0%} of them are needed to judge calibration"
            )
        verdict = "drifted" if self.breached else "holds"
        return (
            f"calibration {verdict} on {self.resolved_deals} deals due and closed since {since}"
            f" ({self.rows} snapshots):"
            f" mean predicted {self.mean_predicted:.3f} vs actual {self.actual_rate:.3f}, ECE {self.ece:.3f}"
            f" (warns above {CALIBRATION_WARN_GAP})"
        )


def outcome_due(rows: pd.DataFrame, label: str, today: date) -> pd.Series:
    """Which labelled snapshot `rows` (with as_of_date) had their outcome due before `today`: the rows
    calibration since training can be judged on without a censoring bias (OUTCOME_DUE_AFTER)."""
    if rows.empty:
        return pd.Series(dtype=bool, index=rows.index)
    due_after = pd.to_numeric(rows[OUTCOME_DUE_AFTER[label]], errors="coerce")
    due_on = pd.to_datetime(rows["as_of_date"]) + pd.to_timedelta(due_after, unit="D")
    return due_on < pd.Timestamp(today)  # a missing date (NaT) is never due


def calibration_since_training(
    rows: pd.DataFrame, labels: np.ndarray, probabilities: np.ndarray, *, due_deals: int | None = None
) -> CalibrationSinceTraining:
    """Calibration of `probabilities` on labelled snapshot `rows` (each with an opportunity_id), out of
    `due_deals` whose outcome was due."""
    if len(rows) == 0:
        return CalibrationSinceTraining(0, 0, None, None, None, due_deals)
    return CalibrationSinceTraining(
        resolved_deals=int(rows["opportunity_id"].nunique()),
        rows=len(rows),
        mean_predicted=float(np.mean(probabilities)),
        actual_rate=float(np.mean(labels)),
        ece=expected_calibration_error(labels, probabilities),
        due_deals=due_deals,
    )
