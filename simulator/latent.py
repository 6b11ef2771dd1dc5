"""The hidden process that moves a demo deal: one Markov step per business day.

A deal's latent state is ten small integers (see STATE_COLUMNS). Each business day
first decides the outcome (lose / advance / skip a stage / stay, the stay ageing the
stall level), then the rep's behaviour (work the deal or not, a two-way conversation
or not, and what that conversation gains: an economic buyer, a champion, another
contact, a next step). The same probability functions drive the forward simulation
here and the exact win-probability table in `simulator.truth`, so the truth the
simulator writes is the real conditional probability of this process, not a guess.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# Column order of a latent state row; also the axis order of the truth table.
STATE_COLUMNS = (
    "segment",
    "activity",
    "quality",
    "stage",
    "buyer",
    "champion",
    "threads",
    "next_step",
    "warmth",
    "stall",
)
SEG, ACT, QUAL, STAGE, BUYER, CHAMP, THREADS, NEXT, WARM, STALL = range(len(STATE_COLUMNS))
N_SEGMENTS = 3  # SMB, MM, ENT
N_ACTIVITY = 3  # low, medium, high rep activity
N_THREADS = 3  # 1, 2, 3+ contacts in the buying group
N_WARMTH = 3  # warm, cooling, dark
N_STALL = 3  # fresh, ageing, stalled in stage


@dataclass(frozen=True)
class LatentParams:
    # Most pipeline is weak: the grid reaches further down than up (simulator.plan centres deals near -1.6).
    quality_levels: tuple[float, ...] = (-2.4, -1.8, -1.2, -0.6, 0.0, 0.6, 1.2)
    # Per business day, by segment: ENT moves ~6x slower than SMB, as real cycles do. Losses are
    # rare per day: reps let dead deals linger for months before closing them out.
    advance_base: tuple[float, float, float] = (0.2, 0.07, 0.035)
    loss_base: tuple[float, float, float] = (0.007, 0.0025, 0.0013)
    # Health = how much the buyer needs it plus how well the rep runs the deal.
    quality_weight: float = 1.0
    buyer_weight: float = 0.6
    champion_weight: float = 0.35
    thread_weight: float = 0.2
    next_step_weight: float = 0.25
    warmth_penalty: float = 0.35
    # Health mostly decides whether a deal moves; a weak deal does not die fast, it stalls and lingers.
    advance_slope: float = 1.0
    loss_slope: float = 0.2
    stall_advance_penalty: float = 0.25
    stall_loss_slope: float = 0.5
    # Signing without the economic buyer happens, but at half the pace.
    close_without_buyer: float = 0.5
    stage_skip: float = 0.06
    stall_ageing: float = 0.1  # ~10 business days per stall level
    work_rate: tuple[float, float, float] = (0.12, 0.22, 0.35)
    work_late_stage_boost: float = 0.4  # reps work late-stage deals ~40% more
    dark_neglect: float = 0.6  # ...and dark deals 60% less: neglect feeds on itself
    # Buyers who need it pick up and show up: a two-way touch is ~4x likelier at quality +1 than at -1
    # (capped at 0.9). This is what makes quality visible in the activity trail.
    two_way: float = 0.6
    two_way_quality_slope: float = 0.7
    buyer_gain: float = 0.05
    champion_gain: float = 0.08
    thread_gain: float = 0.12
    # Buyers with no real need do not bring in their budget holder or a sponsor, however hard the rep tries.
    gain_quality_slope: tuple[float, float, float] = (0.9, 0.7, 0.4)  # buyer, champion, thread
    next_step_set: float = 0.5
    next_step_clear: float = 0.04  # a next step goes stale and gets blanked ~25 idle business days on
    cooling: float = 0.2  # ~5 business days without a touch per warmth level
    # After the verbal yes, paperwork (order form, procurement, signatures): ~7 business days on average,
    # but in the last two weeks of a fiscal quarter rep and buyer push it through to book it in the
    # quarter, and on its last business day almost everything pending gets signed. This is the
    # quarter-end hockey stick, and the reason a deal's quarter is uncertain even when its win is not.
    booking_rate: float = 0.15
    quarter_end_booking_rate: float = 0.5
    quarter_end_business_days: int = 10
    last_day_booking_rate: float = 0.8


def health(p: LatentParams, quality, buyer, champion, threads, next_step, warmth):
    return (
        p.quality_weight * np.asarray(p.quality_levels)[quality]
        + p.buyer_weight * buyer
        + p.champion_weight * champion
        + p.thread_weight * threads
        + p.next_step_weight * next_step
        - p.warmth_penalty * warmth
    )


def outcome_probabilities(
    p: LatentParams, n_open: int, segment, quality, stage, buyer, champion, threads, next_step, warmth, stall
):
    """Per-day chances to advance (or, from the last open stage, to win) and to be lost."""
    h = health(p, quality, buyer, champion, threads, next_step, warmth)
    advance = np.asarray(p.advance_base)[segment] * np.exp(
        p.advance_slope * h - p.stall_advance_penalty * stall
    )
    last = stage == n_open - 1
    advance = np.where(last, advance * np.where(buyer == 1, 1.0, p.close_without_buyer), advance)
    lose = np.asarray(p.loss_base)[segment] * np.exp(-p.loss_slope * h + p.stall_loss_slope * stall)
    return np.minimum(advance, 0.5), np.minimum(lose, 0.4)


def booking_probability(p: LatentParams, business_days_left_in_quarter: int) -> float:
    """Chance that a deal with a verbal yes is booked (Closed Won) today. `business_days_left_in_quarter`
    counts today: 1 on the quarter's last business day."""
    if business_days_left_in_quarter <= 1:
        return p.last_day_booking_rate
    if business_days_left_in_quarter <= p.quarter_end_business_days:
        return p.quarter_end_booking_rate
    return p.booking_rate


def skip_probability(p: LatentParams, n_open: int, stage):
    """A share of advances jump two stages; never straight into Closed Won."""
    return np.where(stage + 2 <= n_open - 1, p.stage_skip, 0.0)


def behaviour_probabilities(p: LatentParams, n_open: int, activity, quality, stage, warmth) -> dict:
    """Per-day chances of each behaviour event, capped at 1 so any parameter set stays a valid chain."""
    lateness = np.minimum(stage, n_open - 1) / (n_open - 1)  # a verbal yes (stage n_open) counts as last
    q = np.asarray(p.quality_levels)[quality]
    chances = {
        "work": np.asarray(p.work_rate)[activity]
        * (1 + p.work_late_stage_boost * lateness)
        * np.where(warmth == N_WARMTH - 1, 1 - p.dark_neglect, 1.0),
        "two_way": np.minimum(p.two_way * np.exp(p.two_way_quality_slope * q), 0.9),
        # Buyers who need it bring their economic buyer in, mostly once a proposal is near.
        "buyer_gain": p.buyer_gain * (0.4 + 1.2 * lateness) * np.exp(p.gain_quality_slope[0] * q),
        "champion_gain": p.champion_gain * np.exp(p.gain_quality_slope[1] * q),
        "thread_gain": p.thread_gain * np.exp(p.gain_quality_slope[2] * q),
        "next_step_set": p.next_step_set,
        "next_step_clear": p.next_step_clear,
        "cooling": p.cooling,
    }
    return {name: np.minimum(chance, 1.0) for name, chance in chances.items()}


@dataclass
class DayStep:
    """What one business day did to a set of open deals (boolean arrays, one entry per deal)."""

    lost: np.ndarray
    won: np.ndarray  # booked today: Closed Won
    verbal: np.ndarray  # the buyer said yes today; paperwork starts tomorrow (latent stage n_open)
    advanced: np.ndarray  # moved to a later open stage
    worked: np.ndarray
    two_way: np.ndarray
    buyer_gain: np.ndarray
    champion_gain: np.ndarray
    thread_gain: np.ndarray
    next_step_set: np.ndarray
    next_step_clear: np.ndarray
    was_dark: np.ndarray


def step_day(
    p: LatentParams, n_open: int, state: np.ndarray, rng: np.random.Generator, business_days_left: int
) -> DayStep:
    """Advance latent states (rows of `state`, updated in place) by one business day.

    Stages 0..n_open-1 are the open stages; stage n_open is a verbal yes waiting for its paperwork
    (still the last open stage in the CRM). `business_days_left` in the fiscal quarter, today included,
    sets how fast paperwork gets booked.
    """
    u = rng.random((len(state), 11))
    seg, act, qual, stage, buyer, champ, threads, nxt, warm, stall = state.T.copy()
    advance, lose = outcome_probabilities(
        p, n_open, seg, qual, stage, buyer, champ, threads, nxt, warm, stall
    )
    pending = stage == n_open
    advance = np.where(pending, booking_probability(p, business_days_left), advance)
    lose = np.where(pending, 0.0, lose)  # a yes does not fall through in this world
    lost = u[:, 0] < lose
    moved = ~lost & (u[:, 0] < lose + advance)
    won = moved & pending
    verbal = moved & (stage == n_open - 1)
    skip = moved & ~won & ~verbal & (u[:, 1] < skip_probability(p, n_open, stage))
    is_open = ~lost & ~won
    stage = np.where(moved & ~won, stage + 1 + skip, stage)
    stall = np.where(moved, 0, np.minimum(stall + (u[:, 2] < p.stall_ageing), N_STALL - 1))

    b = behaviour_probabilities(p, n_open, act, qual, stage, warm)
    worked = is_open & (u[:, 3] < b["work"])
    two_way = worked & (u[:, 4] < b["two_way"])
    idle = is_open & ~worked
    buyer_gain = two_way & (buyer == 0) & (u[:, 5] < b["buyer_gain"])
    champion_gain = two_way & (champ == 0) & (u[:, 6] < b["champion_gain"])
    # At 3+ contacts another one adds a role row but no longer changes the latent state.
    thread_gain = two_way & (u[:, 7] < b["thread_gain"])
    next_step_set = two_way & (nxt == 0) & (u[:, 8] < b["next_step_set"])
    next_step_clear = idle & (nxt == 1) & (u[:, 9] < b["next_step_clear"])
    was_dark = warm == N_WARMTH - 1
    warm = np.where(worked, 0, np.minimum(warm + (idle & (u[:, 10] < b["cooling"])), N_WARMTH - 1))

    state[:, STAGE] = stage
    state[:, STALL] = stall
    state[:, BUYER] = buyer | buyer_gain
    state[:, CHAMP] = champ | champion_gain
    state[:, THREADS] = np.minimum(threads + buyer_gain + champion_gain + thread_gain, N_THREADS - 1)
    state[:, NEXT] = np.where(next_step_set, 1, np.where(next_step_clear, 0, nxt))
    state[:, WARM] = warm
    return DayStep(
        lost,
        won,
        verbal,
        moved & ~won & ~verbal,
        worked,
        two_way,
        buyer_gain,
        champion_gain,
        thread_gain,
        next_step_set,
        next_step_clear,
        was_dark,
    )
