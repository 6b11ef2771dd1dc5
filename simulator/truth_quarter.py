"""The truth per deal and date: P(won at all) and P(won by the end of its close date's fiscal quarter).

P(won at all) is the absorption probability solved in simulator.truth. P(won by the quarter's end) is
the finite-horizon version, the truth behind label_slipped (a won deal slipped when it was booked
after the quarter holding its close date on the as-of date): W_h = P(booked Closed Won within the next
h business days, today being the first). One backward sweep, W_h = one_day(W_{h-1}), gives every h at
once, because the booking chance of a verbal yes depends only on how many business days the quarter
has left (simulator.latent.booking_probability), and that is h itself when the quarter in question is
the one ending after those h days. (Quarter ends passed on the way speed up paperwork too, but a yes
given before them is booked long before this quarter's end either way: pending 60 business days has a
chance of 0.8^60 ~ 1e-6.)

Close dates more than HORIZON business days ahead (two years) use W_HORIZON, which understates the
truth by the chance of a booking later than two years from now.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from simulator.dates import business_days_through, fiscal_quarter_end
from simulator.latent import LatentParams, booking_probability
from simulator.truth import _full, _on_full_grid, _one_business_day, win_probability_table

HORIZON = 520  # business days: two years


@dataclass(frozen=True)
class DealTruth:
    eventual: np.ndarray  # P(won at all), indexed by the STATE_COLUMNS axes (simulator.truth)
    by_horizon: np.ndarray  # by_horizon[h] = P(won within the next h business days), same axes
    fiscal_year_start_month: int

    def p_win(self, states: np.ndarray) -> np.ndarray:
        return self.eventual[tuple(states.T)]

    def p_booked_by(self, states: np.ndarray, as_of, last_day) -> np.ndarray:
        """P(booked Closed Won on a business day in [as_of, last_day]); the CRM is as of the start of
        `as_of`, so that day's business still lies ahead."""
        horizon = np.minimum(business_days_through(as_of, last_day), HORIZON)
        return self.by_horizon[(horizon, *states.T)].astype(np.float64)

    def quarter_end(self, days) -> np.ndarray:
        return fiscal_quarter_end(days, self.fiscal_year_start_month)


def deal_truth(p: LatentParams, n_open: int, rep_kinds: tuple[tuple[int, int], ...], start_month: int):
    return DealTruth(
        win_probability_table(p, n_open, rep_kinds), _by_horizon(p, n_open, rep_kinds), start_month
    )


@functools.lru_cache(maxsize=2)
def _by_horizon(p: LatentParams, n_open: int, rep_kinds: tuple[tuple[int, int], ...]) -> np.ndarray:
    """W_0..W_HORIZON on the full state grid, float32 (~170 MB with all nine rep kinds)."""
    shape, one_day = _one_business_day(p, n_open, np.array(rep_kinds))
    w, pending = np.zeros(shape), 0.0  # W_0: nothing can be booked in zero days
    first = _on_full_grid(w, rep_kinds, verbal_value=0.0)
    tables = np.empty((HORIZON + 1, *first.shape), dtype=np.float32)
    tables[0] = first
    for h in range(1, HORIZON + 1):
        # A yes given today is booked from tomorrow on, with h - 1 business days left to do it.
        w = _full(one_day(w, pending), shape).reshape(shape)
        booking = booking_probability(p, h)
        pending = booking + (1 - booking) * pending
        tables[h] = _on_full_grid(w, rep_kinds, verbal_value=pending)
    tables.setflags(write=False)
    return tables
