"""The truth table is the real win probability of the process the simulator runs."""

from __future__ import annotations

import numpy as np
import pytest

from simulator.latent import BUYER, STATE_COLUMNS, THREADS, LatentParams, step_day
from simulator.truth import true_win_probability, win_probability_table
from simulator.truth_quarter import _by_horizon

N_OPEN = 5
PARAMS = LatentParams()


def simulated_win_rate(start: tuple[int, ...], n_deals: int, seed: int) -> float:
    """Run n_deals copies of one latent state through step_day until every one has closed."""
    rng = np.random.default_rng(seed)
    states = np.tile(np.array(start), (n_deals, 1))
    won, open_ = np.zeros(n_deals, dtype=bool), np.ones(n_deals, dtype=bool)
    while open_.any():
        idx = np.nonzero(open_)[0]
        rows = states[idx]
        step = step_day(PARAMS, N_OPEN, rows, rng, business_days_left=30)
        states[idx] = rows
        won[idx[step.won]] = True
        open_[idx[step.won | step.lost]] = False
    return float(won.mean())


@pytest.mark.parametrize(
    "start",
    [
        (1, 1, 2, 0, 0, 0, 0, 1, 0, 0),  # a fresh mid-market deal of weak-to-middling quality
        (0, 2, 4, 3, 0, 1, 1, 0, 2, 1),  # a dark SMB deal at stage 4 with a champion, ageing
        (2, 0, 5, 4, 1, 0, 1, 1, 1, 2),  # a stalled, well-qualified ENT deal in the last open stage
    ],
)
def test_truth_table_matches_a_monte_carlo_run_of_the_simulated_process(start):
    # GIVEN the solved table and 6,000 simulated deals starting from one state
    table = win_probability_table(PARAMS, N_OPEN)
    n = 6_000
    # WHEN they all run to a close
    observed = simulated_win_rate(start, n, seed=11)
    # THEN the share won is within 4 standard errors of the table's probability
    expected = float(true_win_probability(table, np.array([start]))[0])
    assert abs(observed - expected) < 4 * np.sqrt(expected * (1 - expected) / n) + 1e-3


def test_engaging_the_economic_buyer_raises_the_true_win_probability_of_every_open_state():
    table = win_probability_table(PARAMS, N_OPEN)[:, :, :, :N_OPEN]  # a verbal yes is worth 1 either way
    without = np.take(table, [0], axis=BUYER)
    with_buyer_and_contact = np.take(np.take(table, [1], axis=BUYER), [1, 2, 2], axis=THREADS)

    assert len(STATE_COLUMNS) == table.ndim
    assert (win_probability_table(PARAMS, N_OPEN)[:, :, :, N_OPEN] == 1).all()
    assert np.all(with_buyer_and_contact > np.take(without, [0, 1, 2], axis=THREADS))


def test_only_the_requested_rep_kinds_are_solved_and_they_agree_with_the_full_table():
    full = win_probability_table(PARAMS, N_OPEN)
    partial = win_probability_table(PARAMS, N_OPEN, ((0, 2), (2, 1)))

    assert np.isnan(partial[1, 1]).all()
    np.testing.assert_allclose(partial[0, 2], full[0, 2], atol=1e-5)
    np.testing.assert_allclose(partial[2, 1], full[2, 1], atol=1e-5)


def simulated_booked_within(start: tuple[int, ...], business_days: int, n_deals: int, seed: int) -> float:
    """Share of n_deals copies of a state booked Closed Won within `business_days`, the quarter ending
    after the last of them (so its last two weeks speed up the paperwork)."""
    rng = np.random.default_rng(seed)
    states = np.tile(np.array(start), (n_deals, 1))
    won, open_ = np.zeros(n_deals, dtype=bool), np.ones(n_deals, dtype=bool)
    for days_left in range(business_days, 0, -1):
        idx = np.nonzero(open_)[0]
        rows = states[idx]
        step = step_day(PARAMS, N_OPEN, rows, rng, business_days_left=days_left)
        states[idx] = rows
        won[idx[step.won]] = True
        open_[idx[step.won | step.lost]] = False
    return float(won.mean())


@pytest.mark.parametrize(
    ("start", "business_days"),
    [
        ((0, 2, 4, 3, 1, 1, 1, 1, 0, 0), 40),  # a healthy SMB deal at stage 4: likely, but in time?
        ((2, 1, 5, 4, 1, 1, 2, 1, 0, 0), 25),  # an ENT deal in the last open stage, five weeks left
        ((1, 1, 3, N_OPEN, 1, 0, 1, 1, 0, 0), 3),  # a verbal yes three business days before quarter end
    ],
)
def test_quarter_truth_matches_a_monte_carlo_run_up_to_the_quarter_end(start, business_days):
    # GIVEN the horizon tables and 6,000 simulated deals starting from one state
    expected = float(_by_horizon(PARAMS, N_OPEN, ((0, 2), (1, 1), (2, 1)))[(business_days, *start)])
    n = 6_000
    # WHEN they run until the quarter ends
    observed = simulated_booked_within(start, business_days, n, seed=5)
    # THEN the share booked in the quarter is within 4 standard errors of the table
    assert abs(observed - expected) < 4 * np.sqrt(expected * (1 - expected) / n) + 1e-3
    assert expected < float(win_probability_table(PARAMS, N_OPEN)[start]) + 1e-9  # never above P(win)
