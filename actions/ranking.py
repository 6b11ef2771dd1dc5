"""Pick each rep's top actions: best play per deal, then the most valuable deals, holdout excluded."""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd


def is_holdout(opportunity_id: str, share: float) -> bool:
    """A stable, random-looking choice of deals that never get a TMVA (the lift measurement's control group)."""
    bucket = int(hashlib.md5(opportunity_id.encode()).hexdigest()[:8], 16) / 2**32
    return bucket < share


def select_top_actions(candidates: pd.DataFrame, *, per_rep: int, holdout_share: float) -> pd.DataFrame:
    """At most `per_rep` actions per owner, at most one per deal, only with positive expected impact."""
    eligible = candidates[candidates["expected_impact_amount"] > 0]
    # A boolean array, not a Series: an empty object Series would index columns and drop them all.
    held_out = np.array([is_holdout(oid, holdout_share) for oid in eligible["opportunity_id"]], dtype=bool)
    eligible = eligible[~held_out]
    # Ties broken by ids so the same inputs always give the same TMVAs (and the same CRM tasks).
    ordered = eligible.sort_values(
        ["expected_impact_amount", "opportunity_id", "play_id"], ascending=[False, True, True]
    )
    best_per_deal = ordered.drop_duplicates("opportunity_id", keep="first")
    top = best_per_deal.groupby("owner_id", sort=False).head(per_rep).copy()
    top["rank"] = top.groupby("owner_id").cumcount() + 1
    return top.sort_values(["owner_id", "rank"]).reset_index(drop=True)
