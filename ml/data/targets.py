"""The two things Momentum predicts, declared once: which label, which registered model, which output column.

One set of machinery (read, split, fit, calibrate, track, register, promote, score, evaluate) serves both;
a target only says what differs. The labels are defined in docs/ARCHITECTURE.md ("As-of dates and labels") and computed by dbt in
marts.fct_deal_snapshots.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Target:
    kind: str
    label_column: str
    model_name: str
    experiment_name: str
    output_column: str
    predicts: str
    """One sentence for the registry description and the model card."""
    positive: str
    negative: str
    """What label 1 and label 0 are called in counts and messages ("won" / "lost")."""


WIN = Target(
    kind="win",
    label_column="label_won",
    model_name="momentum_win",
    experiment_name="momentum-win",
    output_column="p_win",
    predicts="P(open deal ends Closed Won), calibrated.",
    positive="won",
    negative="lost",
)
# Trained only on snapshots of deals that were eventually won (label_slipped is null otherwise), so p_slip
# is P(the win lands after the quarter holding today's close date | the deal is won).
SLIP = Target(
    kind="slip",
    label_column="label_slipped",
    model_name="momentum_slip",
    experiment_name="momentum-slip",
    output_column="p_slip",
    predicts="P(a deal that is won closes after the fiscal quarter of its current close date), calibrated.",
    positive="slipped",
    negative="closed in quarter",
)
TARGETS: dict[str, Target] = {target.kind: target for target in (WIN, SLIP)}
