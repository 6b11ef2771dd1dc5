"""Time-based split of labelled snapshots into fit / early-stopping / calibration / holdout slices.

A deal goes WHOLLY to the slice of its LAST labelled snapshot, and slices are ordered by that date (oldest
deals fit the trees, newest deals are the holdout). Why this rather than cutting snapshots at a date and
dropping the deals that straddle it:
- the fit side then holds only deals whose outcome was known before the holdout began, which is exactly
  what a model trained on that date could have learned from;
- the holdout keeps every snapshot of the newer deals, early stages included, so it looks like the open
  pipeline we score each morning (dropping straddlers would lose most long enterprise deals);
- no deal is ever on two sides, so its outcome cannot leak from training into evaluation.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

# Shares of DEALS (oldest to newest): the newest 20% are the holdout, the rest split 70/15/15 into fit,
# early stopping and calibration. Calibration is the newest training slice on purpose: it sets the base
# rate, and the most recent win rate is the one today's deals face.
SLICE_STARTS: dict[str, float] = {"fit": 0.0, "early_stopping": 0.56, "calibration": 0.68, "holdout": 0.80}


@dataclass(frozen=True)
class TimeSplit:
    fit: pd.DataFrame
    early_stopping: pd.DataFrame
    calibration: pd.DataFrame
    holdout: pd.DataFrame
    starts: dict[str, date]
    """First last-snapshot date of each slice: the data window logged with the run."""
    label: str = "label_won"
    """The label column the slices are split for (label_won or label_slipped)."""

    def slices(self) -> dict[str, pd.DataFrame]:
        return {name: getattr(self, name) for name in SLICE_STARTS}

    def problem(self) -> str | None:
        """Why this split cannot train a calibrated, evaluated model, or None when it can."""
        for name, rows in self.slices().items():
            if rows.empty:
                return f"closed deals span too few weeks to split by time: the {name} slice is empty"
        for name in ("calibration", "holdout"):
            if self.slices()[name][self.label].nunique() < 2:
                return f"the {name} slice holds only one {self.label} outcome; need both 0 and 1 in it"
        return None


def split_by_last_snapshot(snapshots: pd.DataFrame, label: str = "label_won") -> TimeSplit:
    """Split rows carrying opportunity_id, last_as_of_date and `label` (see module docstring)."""
    last_dates = snapshots.groupby("opportunity_id")["last_as_of_date"].first().sort_values(kind="stable")
    positions = {name: int(share * len(last_dates)) for name, share in SLICE_STARTS.items()}
    starts = {
        name: last_dates.iloc[min(position, len(last_dates) - 1)] if len(last_dates) else date.min
        for name, position in positions.items()
    }
    starts["fit"] = last_dates.iloc[0] if len(last_dates) else date.min
    # A deal's slice = how many later slices have started on or before its last date. Deals tied on a
    # boundary date all go to the newer slice, so every slice is a clean range of dates.
    boundaries = np.array([starts[name] for name in list(SLICE_STARTS)[1:]], dtype="datetime64[D]")
    last_of_row = np.array(list(snapshots["last_as_of_date"]), dtype="datetime64[D]")
    slice_index = np.searchsorted(boundaries, last_of_row, side="right")
    names = list(SLICE_STARTS)
    parts = {name: snapshots[slice_index == i].reset_index(drop=True) for i, name in enumerate(names)}
    return TimeSplit(**parts, starts=starts, label=label)
