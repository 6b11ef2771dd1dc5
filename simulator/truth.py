"""The exact win probability of every latent deal state: the oracle behind sim_truth.deal_daily.

P(win | state) is the absorption probability of the Markov chain in `simulator.latent`.
It is solved once per parameter set over the whole state grid (3 segments x 3 activity
levels x 7 quality levels x open stages x 2 x 2 x 3 x 2 x 3 x 3: 68,040 states with 5
open stages), using the very probability functions the simulator steps with. One
business day is an affine map V -> M V + c applied without building M; BiCGSTAB solves
(I - M) V = c in ~200 applications (~0.6 s), where plain day-by-day iteration needs ~800
because slow ENT deals take hundreds of business days to absorb. (BiCGSTAB rather than
GMRES: GMRES's orthogonalisation is BLAS-heavy and crawls on a busy machine.)
"""

from __future__ import annotations

import functools

import numpy as np
from scipy.sparse.linalg import LinearOperator, bicgstab, gmres

from simulator.latent import (
    BUYER,
    CHAMP,
    N_ACTIVITY,
    N_SEGMENTS,
    N_STALL,
    N_THREADS,
    N_WARMTH,
    NEXT,
    STAGE,
    STALL,
    THREADS,
    WARM,
    LatentParams,
    behaviour_probabilities,
    outcome_probabilities,
    skip_probability,
)

TOLERANCE = 1e-8  # relative residual: values come out within ~1e-6 of the exact solution
MAX_ITERATIONS = 2_000


def true_win_probability(table: np.ndarray, states: np.ndarray) -> np.ndarray:
    """Look up P(win) for rows of latent state (columns as in STATE_COLUMNS)."""
    return table[tuple(states.T)]


@functools.lru_cache(maxsize=4)
def win_probability_table(p: LatentParams, n_open: int, rep_kinds: tuple[tuple[int, int], ...] | None = None):
    """P(win) for every latent state, indexed by the STATE_COLUMNS axes.

    `rep_kinds` lists the (segment, activity) pairs to solve for (default: all nine); the
    others are left NaN. A small org has few kinds, and each kind costs the same to solve.
    """
    kinds = rep_kinds or all_rep_kinds()
    shape, step = _one_business_day(p, n_open, np.array(kinds))

    def one_day(v):  # a verbal yes is always booked in the end: worth 1
        return step(v, 1.0)

    # V = one_day(V) is affine, V = M V + c with c = one_day(0): solve (I - M) V = c.
    c = np.broadcast_to(one_day(np.zeros(shape)), shape).ravel()
    operator = LinearOperator(
        (c.size, c.size), matvec=lambda v: v - (_full(one_day(v.reshape(shape)), shape) - c)
    )
    start = np.full(c.size, 0.3)
    solution, info = bicgstab(operator, c, x0=start, rtol=TOLERANCE, maxiter=MAX_ITERATIONS)
    if info != 0:  # BiCGSTAB can break down; restarted GMRES is slower but always gets there
        solution, info = gmres(operator, c, x0=start, rtol=TOLERANCE, restart=100, maxiter=MAX_ITERATIONS)
    if info != 0:
        raise RuntimeError(f"truth table did not converge (info={info})")
    return _on_full_grid(np.clip(solution.reshape(shape), 0.0, 1.0), kinds, verbal_value=1.0)


def all_rep_kinds() -> tuple[tuple[int, int], ...]:
    return tuple((s, a) for s in range(N_SEGMENTS) for a in range(N_ACTIVITY))


def _on_full_grid(values: np.ndarray, kinds, verbal_value: float) -> np.ndarray:
    """Values solved on the (kind, ...) grid, laid out on the STATE_COLUMNS axes (NaN for kinds not
    solved), with one more stage: the verbal yes (stage n_open), whose value is given."""
    _, _, n_quality, n_open, *rest = values.shape
    table = np.full((N_SEGMENTS, N_ACTIVITY, n_quality, n_open + 1, *rest), np.nan, dtype=values.dtype)
    segment, activity = np.array(kinds).T
    table[segment, activity, :, :n_open] = values[:, 0]
    table[segment, activity, :, n_open] = verbal_value
    table.setflags(write=False)
    return table


def _one_business_day(p: LatentParams, n_open: int, kinds: np.ndarray):
    """The grid shape and (f, w) -> E[f(state tomorrow)], where a verbal yes today is worth w and a loss 0.

    The grid's first axis runs over rep kinds (its second, activity, has length 1), so
    only the (segment, activity) pairs asked for are solved.
    """
    shape = (len(kinds), 1, len(p.quality_levels), n_open, 2, 2, N_THREADS, 2, N_WARMTH, N_STALL)
    _, _, qual, stage, buyer, champ, threads, nxt, warm, stall = np.ix_(*(np.arange(n) for n in shape))
    seg = kinds[:, 0].reshape((-1,) + (1,) * (len(shape) - 1))
    act = kinds[:, 1].reshape(seg.shape)
    advance, lose = outcome_probabilities(
        p, n_open, seg, qual, stage, buyer, champ, threads, nxt, warm, stall
    )
    skip = skip_probability(p, n_open, stage)
    is_last = stage == n_open - 1
    b = behaviour_probabilities(p, n_open, act, qual, stage, warm)
    no_buyer, no_champion = 1 - buyer, 1 - champ

    def behaviour(f: np.ndarray) -> np.ndarray:
        """E[f(state after today's behaviour)] as a function of the state before it."""
        idle = _chance(f, b["cooling"], _shift(f, WARM))
        idle = _chance(idle, b["next_step_clear"], _to(idle, NEXT, 0))
        warm_again = _to(f, WARM, 0)
        talk = _chance(warm_again, b["next_step_set"], _to(warm_again, NEXT, 1))
        talk = _chance(talk, b["thread_gain"], _shift(talk, THREADS))
        talk = _chance(talk, b["champion_gain"] * no_champion, _shift(_to(talk, CHAMP, 1), THREADS))
        talk = _chance(talk, b["buyer_gain"] * no_buyer, _shift(_to(talk, BUYER, 1), THREADS))
        worked = warm_again + b["two_way"] * (talk - warm_again)
        return idle + b["work"] * (worked - idle)

    def outcome(g: np.ndarray, verbal_value: float) -> np.ndarray:
        """E[g(state after today's outcome)]."""
        one_up = np.where(is_last, verbal_value, _to(_shift(g, STAGE, 1), STALL, 0))
        two_up = _to(_shift(g, STAGE, 2), STALL, 0)
        moved = one_up + skip * (two_up - one_up)
        stayed = g + p.stall_ageing * (_shift(g, STALL) - g)
        return advance * moved + (1 - advance - lose) * stayed

    return shape, lambda f, verbal_value: outcome(behaviour(f), verbal_value)


def _full(f: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    return np.broadcast_to(f, shape).ravel()


def _chance(f: np.ndarray, probability, f_after: np.ndarray) -> np.ndarray:
    return f + probability * (f_after - f)


def _shift(f: np.ndarray, axis: int, by: int = 1) -> np.ndarray:
    """f evaluated one (or `by`) level up along an axis, capped at the top level."""
    n = f.shape[axis]
    return np.take(f, np.minimum(np.arange(n) + by, n - 1), axis=axis)


def _to(f: np.ndarray, axis: int, level: int) -> np.ndarray:
    """f evaluated with one axis set to a fixed level (length 1 along it, broadcasting back)."""
    return np.take(f, [level], axis=axis)
