"""`ml/win_model` (trained weekly, promoted only when not worse) and `ml_outputs/deal_scores` (daily)."""

from datetime import UTC, datetime

import dagster as dg

from ml.registry import MODEL_NAME
from ml.scoring import score_open_deals
from ml.training import train_win_model
from orchestration.modeling.slip_assets import SLIP_MODEL_KEY
from orchestration.resources import MomentumResource, as_of_date

WIN_MODEL_KEY = dg.AssetKey(["ml", "win_model"])
SNAPSHOTS_KEY = dg.AssetKey(["marts", "fct_deal_snapshots"])
FEATURES_KEY = dg.AssetKey(["marts", "ml_win__features"])


@dg.asset(key=WIN_MODEL_KEY, deps=[SNAPSHOTS_KEY], group_name="ml", kinds={"lightgbm", "mlflow"})
def win_model(context: dg.AssetExecutionContext, momentum: MomentumResource) -> dg.MaterializeResult:
    """The LightGBM win model in the MLflow registry: a challenger each run, `champion` when not worse."""
    as_of = as_of_date(context)
    result = train_win_model(
        momentum.url(),
        momentum.tracking_uri(),
        momentum.artifact_root(),
        as_of_date=as_of,
        min_closed_per_class=momentum.settings().min_closed_deals_per_class,
        tags={"dagster_run_id": context.run_id, "as_of_date": as_of.isoformat()},
    )
    context.log.info(result.message)
    metadata = {"outcome": result.message, "won_deals": result.won_deals, "lost_deals": result.lost_deals}
    if result.trained:
        model = result.metrics.get("model", {})
        baseline = result.metrics.get("stage_probability", {})
        metadata |= {
            "model_version": f"{MODEL_NAME} v{result.model_version}",
            "mlflow_run_id": result.run_id,
            "holdout_auc": model.get("auc"),
            "holdout_brier": model.get("brier"),
            "stage_baseline_brier": baseline.get("brier"),
        }
    return dg.MaterializeResult(metadata={key: value for key, value in metadata.items() if value is not None})


@dg.asset(
    key=dg.AssetKey(["ml_outputs", "deal_scores"]),
    deps=[FEATURES_KEY, WIN_MODEL_KEY, SLIP_MODEL_KEY],
    group_name="ml_outputs",
    kinds={"python", "postgres"},
)
def deal_scores(context: dg.AssetExecutionContext, momentum: MomentumResource) -> dg.MaterializeResult:
    """Today's P(win), P(slip) and P(close in quarter) for every open deal from the champions (P(win) falls back
    to the stage probability), with top factors."""
    summary = score_open_deals(
        momentum.url(), momentum.tracking_uri(), as_of_date=as_of_date(context), scored_at=datetime.now(UTC)
    )
    context.log.info(str(summary))
    return dg.MaterializeResult(metadata={"summary": str(summary)})
