"""The truth table is the real win probability of the process the simulator runs."""

from __future__ import annotations

import numpy as np
import pytest

from crm.demo_latent import BUYER, STATE_COLUMNS, THREADS, LatentParams, step_day
from crm.demo_truth import true_win_probability, win_probability_table

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
        step = step_day(PARAMS, N_OPEN, rows, rng)
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
    table = win_probability_table(PARAMS, N_OPEN)
    without = np.take(table, [0], axis=BUYER)
    with_buyer_and_contact = np.take(np.take(table, [1], axis=BUYER), [1, 2, 2], axis=THREADS)

    assert len(STATE_COLUMNS) == table.ndim
    assert np.all(with_buyer_and_contact > np.take(without, [0, 1, 2], axis=THREADS))


def test_only_the_requested_rep_kinds_are_solved_and_they_agree_with_the_full_table():
    full = win_probability_table(PARAMS, N_OPEN)
    partial = win_probability_table(PARAMS, N_OPEN, ((0, 2), (2, 1)))

    assert np.isnan(partial[1, 1]).all()
    np.testing.assert_allclose(partial[0, 2], full[0, 2], atol=1e-5)
    np.testing.assert_allclose(partial[2, 1], full[2, 1], atol=1e-5)
