"""Time-based split of labelled snapshots into fit / early-stopping / calibration / holdout slices.

A deal goes WHOLLY to the slice of its LAST labelled snapshot, and slices are ordered by that date (oldest
deals fit the trees, newest deals are the holdout). Why this rather than cutting snapshots at a date and
dropping the deals that straddle it:
- the fit side then holds only deals whose outcome was known before the holdout began, which is exactly
  what a model trained on that date could have learned from;
- the holdout keeps every snapshot of the newer deals, early stages included, so it looks like the open
  pipeline we score each morning (dropping straddlers would lose most long enterprise deals);
- no deal is ever on two sides, so its outcome cannot leak from training into evaluation.

Slices are whole fiscal quarters long where the history allows it. Wins are booked in a rush in a
quarter's last two weeks while losses close out all quarter long, so the win rate of the deals whose last
snapshot falls in a window depends on how much quarter-end rush the window holds. A window one quarter
long always holds one rush. With shares of deals, the demo preset's calibration slice ended three weeks
before a quarter end and won 25.5% of its rows, while the holdout, which held that quarter end, won 29.6%.
The calibrator learned the lower rate: holdout ECE 0.042. With quarter-long windows it is 0.020.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd

SLICE_NAMES: tuple[str, ...] = ("fit", "early_stopping", "calibration", "holdout")
QUARTER = timedelta(weeks=13)
# Quarter windows, counted back from the newest last snapshot: the holdout is the newest quarter; the
# quarter before it is halved by date into early stopping (older half) and calibration (newer half), and
# the calibrator fits on both halves (ml/training/fitting.py), so it sees one whole quarter. The fit slice is
# everything older and must hold at least one quarter too.
QUARTERS_NEEDED = 3
# A shorter history falls back to shares of DEALS (oldest to newest): the newest 20% are the holdout, and
# the rest is split 70/15/15 into fit, early stopping and calibration.
SLICE_STARTS: dict[str, float] = {"fit": 0.0, "early_stopping": 0.56, "calibration": 0.68, "holdout": 0.80}


@dataclass(frozen=True)
class TimeSplit:
    fit: pd.DataFrame
    early_stopping: pd.DataFrame
    calibration: pd.DataFrame
    holdout: pd.DataFrame
    starts: dict[str, date]
    """First last-snapshot date of each slice: the data window logged with the run."""
    label: str
    """The label column the slices are split for (label_won or label_slipped)."""
    method: str = "quarters"
    """"quarters" (whole-quarter windows) or "deal_shares" (history shorter than QUARTERS_NEEDED)."""

    def slices(self) -> dict[str, pd.DataFrame]:
        return {name: getattr(self, name) for name in SLICE_NAMES}

    def problem(self) -> str | None:
        """Why this split cannot train a calibrated, evaluated model, or None when it can."""
        for name, rows in self.slices().items():
            if rows.empty:
                return f"closed deals span too few weeks to split by time: the {name} slice is empty"
        for name in ("calibration", "holdout"):
            if self.slices()[name][self.label].nunique() < 2:
                return f"the {name} slice holds only one {self.label} outcome; need both 0 and 1 in it"
        return None


def split_by_last_snapshot(snapshots: pd.DataFrame, label: str) -> TimeSplit:
    """Split rows carrying opportunity_id, last_as_of_date and `label` (see module docstring)."""
    last_dates = snapshots.groupby("opportunity_id")["last_as_of_date"].first().sort_values(kind="stable")
    if len(last_dates) == 0:
        return _assign(snapshots, dict.fromkeys(SLICE_NAMES, date.min), label, "deal_shares")
    first, newest = last_dates.iloc[0], last_dates.iloc[-1]
    if newest - first >= QUARTERS_NEEDED * QUARTER:
        return _assign(snapshots, quarter_starts(first, newest), label, "quarters")
    return _assign(snapshots, _share_starts(last_dates), label, "deal_shares")


def quarter_starts(first: date, newest: date) -> dict[str, date]:
    """Each slice's first last-snapshot date for whole-quarter windows ending on `newest`."""
    holdout = newest - QUARTER + timedelta(days=1)
    early_stopping = holdout - QUARTER
    calibration = early_stopping + timedelta(days=QUARTER.days // 2)
    return {"fit": first, "early_stopping": early_stopping, "calibration": calibration, "holdout": holdout}


def _share_starts(last_dates: pd.Series) -> dict[str, date]:
    positions = {name: int(share * len(last_dates)) for name, share in SLICE_STARTS.items()}
    starts = {
        name: last_dates.iloc[min(position, len(last_dates) - 1)] for name, position in positions.items()
    }
    return starts | {"fit": last_dates.iloc[0]}


def _assign(snapshots: pd.DataFrame, starts: dict[str, date], label: str, method: str) -> TimeSplit:
    # A deal's slice = how many later slices have started on or before its last date. Deals tied on a
    # boundary date all go to the newer slice, so every slice is a clean range of dates.
    boundaries = np.array([starts[name] for name in SLICE_NAMES[1:]], dtype="datetime64[D]")
    last_of_row = np.array(list(snapshots["last_as_of_date"]), dtype="datetime64[D]")
    slice_index = np.searchsorted(boundaries, last_of_row, side="right")
    parts = {name: snapshots[slice_index == i].reset_index(drop=True) for i, name in enumerate(SLICE_NAMES)}
    return TimeSplit(**parts, starts=starts, label=label, method=method)
