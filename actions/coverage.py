"""Why a rep got no TMVA today: counted, so the run summary can say it instead of "0 for 0 reps".

A TMVA is worth amount x uplift, so a deal without an amount has no pipeline value to move: it is valued at
zero, honestly, rather than given an amount Momentum would have to invent. A CRM whose open deals carry no
amounts therefore gets no TMVA at all, and the user must hear that this is why.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from actions.ranking import is_holdout

# Why a rep has no TMVA, the first that holds for all the rep's deals, in this order.
NO_AMOUNT = "only deals without an amount"
NO_PLAY_TRIGGERED = "no deal that triggers a play"
HELD_OUT = "only deals in the holdout"
NOT_WORTH_ACTING = "no play valued above zero (or advice already acted on)"
REASONS = (NO_AMOUNT, NO_PLAY_TRIGGERED, HELD_OUT, NOT_WORTH_ACTING)


@dataclass(frozen=True)
class TmvaGaps:
    deals_without_amount: int = 0
    """Open deals advised today (after owner routing) with no amount, or an amount of zero."""
    reps_without_tmva: dict[str, int] = field(default_factory=dict)
    """Reps with open deals but no TMVA, counted by the reason that holds for all their deals (REASONS)."""


def tmva_gaps(
    deals: pd.DataFrame, candidates: pd.DataFrame, top: pd.DataFrame, *, holdout_share: float
) -> TmvaGaps:
    """`deals` (owner_id, opportunity_id, amount), every valued (deal, play) in `candidates`, and the chosen
    `top`: how many deals had no amount, and why each rep without a TMVA got none."""
    if deals.empty:
        return TmvaGaps()
    no_amount = ~(pd.to_numeric(deals["amount"], errors="coerce").fillna(0) > 0).to_numpy()
    triggered = deals["opportunity_id"].isin(candidates["opportunity_id"]).to_numpy()
    held_out = np.array([is_holdout(str(oid), holdout_share) for oid in deals["opportunity_id"]], dtype=bool)
    per_deal = pd.DataFrame(
        {"owner_id": deals["owner_id"].to_numpy(), "no_amount": no_amount, "untriggered": ~triggered,
         "held_out": held_out}
    )  # fmt: skip
    advised = set(top["owner_id"]) if len(top) else set()
    reasons: dict[str, int] = {}
    for owner_id, owner_deals in per_deal.groupby("owner_id", sort=False):
        if owner_id in advised:
            continue
        reason = _reason(owner_deals)
        reasons[reason] = reasons.get(reason, 0) + 1
    return TmvaGaps(
        int(no_amount.sum()), {reason: reasons[reason] for reason in REASONS if reason in reasons}
    )


def _reason(owner_deals: pd.DataFrame) -> str:
    if owner_deals["no_amount"].all():
        return NO_AMOUNT
    if owner_deals["untriggered"].all():
        return NO_PLAY_TRIGGERED
    if owner_deals["held_out"].all():
        return HELD_OUT
    return NOT_WORTH_ACTING


def gap_lines(deals_without_amount: int, reps_without_tmva: dict[str, int]) -> list[str]:
    """The run summary's words for the gaps: nothing when every rep with deals got advice."""
    lines = []
    if deals_without_amount:
        lines.append(
            f"TMVAs: {deals_without_amount} open deals have no amount: no TMVA can be valued for them "
            "(a TMVA is worth amount x uplift); set Amount on them in the CRM"
        )
    if reps_without_tmva:
        total = sum(reps_without_tmva.values())
        why = ", ".join(f"{count} with {reason}" for reason, count in reps_without_tmva.items())
        lines.append(f"TMVAs: {total} reps with open deals got none: {why}")
    return lines
