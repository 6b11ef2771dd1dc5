"""A short markdown model card logged with every training run, for whoever opens the run in MLflow."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date


def render_model_card(
    *,
    as_of_date: date,
    data_window: Mapping[str, str],
    counts: Mapping[str, int],
    metrics: Mapping[str, Mapping[str, float]],
    feature_columns: Sequence[str],
    calibration_method: str,
    best_iteration: int,
    model_name: str = "momentum_win",
    predicts: str = "P(deal ends Closed Won)",
) -> str:
    """Markdown: what the model predicts, on which data, how well against the baselines, and its limits."""
    names = list(metrics)
    header = "| metric | " + " | ".join(names) + " |\n|---|" + "---|" * len(names)
    rows = [
        f"| {metric} | " + " | ".join(_fmt(metrics[name].get(metric)) for name in names) + " |"
        for metric in ("auc", "log_loss", "brier", "ece", "lift_top_decile", "rows", "win_rate")
    ]
    window = "\n".join(f"- {name}: {value}" for name, value in data_window.items())
    count_lines = "\n".join(f"- {name}: {value}" for name, value in counts.items())
    return f"""# {model_name} — model card

**Predicts** {predicts} for an open opportunity, from a point-in-time snapshot of what the
CRM knew on that day (marts.fct_deal_snapshots). Trained as of {as_of_date.isoformat()}.

## Data window (each deal wholly on the side of its last labelled snapshot)
{window}

## Counts
{count_lines}

## Holdout metrics (per snapshot row; lower is better for log loss, Brier and ECE)
{header}
{chr(10).join(rows)}

## Model
LightGBM binary classifier ({best_iteration} trees after early stopping), calibrated with
{calibration_method} on a slice the trees never saw. Features: {", ".join(feature_columns)}.

## Use and limits
- Ranks and weights open deals for reps and the forecast; it is not a verdict on a single deal.
- Learns this company's own history: a new sales motion, segment or stage model needs a retrain.
- `has_next_step` is not a feature: the CRM keeps no history of it, so past snapshots cannot know it.
- Explanations are LightGBM's own contributions to the log-odds; they show what moved this score,
  not what would happen if a rep changed something (the TMVA engine re-scores counterfactuals for that).
"""


def _fmt(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:.0f}" if float(value).is_integer() and abs(value) >= 10 else f"{value:.4f}"
