"""The true effect of a Momentum task (a TMVA) that a simulated rep completes, on the deal's hidden state.

Effects depend on the action type the task carries (crm.task.ai_action_type, from actions/playbook.yml:
call | email | meeting | research | propose) and on the situation: the buyer answers with the same
chance a two-way touch has in simulator.latent (rising with deal quality, capped at 0.9), and most gains
need that answer. So acting on a weak deal helps less than acting on a good one, as in real life.
"""

from __future__ import annotations

import numpy as np

from simulator.latent import (
    BUYER,
    CHAMP,
    N_THREADS,
    NEXT,
    QUAL,
    STALL,
    THREADS,
    WARM,
    LatentParams,
)


def buyer_answers(p: LatentParams, quality: int) -> float:
    return float(min(p.two_way * np.exp(p.two_way_quality_slope * p.quality_levels[quality]), 0.9))


def apply_action(p: LatentParams, action_type: str | None, state: np.ndarray, u: float) -> np.ndarray:
    """The latent row after the action (a copy); `u` is one uniform draw deciding whether the buyer engaged."""
    after = state.copy()
    answered = u < buyer_answers(p, int(state[QUAL]))
    kind = (action_type or "").strip().lower()
    if kind == "email":  # a nudge: warms the thread a notch; an answer brings in one more contact
        after[WARM] = max(after[WARM] - 1, 0)
        if answered and u < buyer_answers(p, int(state[QUAL])) / 2:
            after[THREADS] = min(after[THREADS] + 1, N_THREADS - 1)
        return after
    after[WARM] = 0  # any live touch (call, meeting, research that ends in outreach) warms the deal
    if kind == "meeting" and answered:  # the meeting happens: usually with the budget holder in the room
        after[BUYER] = 1
        after[NEXT] = 1
        after[THREADS] = min(after[THREADS] + 1, N_THREADS - 1)
    elif kind == "research" and answered:  # finding the right sponsor
        after[CHAMP] = 1
        after[THREADS] = min(after[THREADS] + 1, N_THREADS - 1)
    elif kind == "propose" and answered:  # a proposal on the table unsticks the stage
        after[STALL] = 0
        after[NEXT] = 1
    elif answered:  # call (or anything else): a conversation and an agreed next step
        after[NEXT] = 1
        after[STALL] = max(after[STALL] - 1, 0)
    return after
