"""`ml/win_model` and `ml/slip_model` (trained weekly, promoted only when not worse) and
`ml_outputs/deal_scores` (daily)."""

from datetime import UTC, datetime

import dagster as dg

from ml.scoring import score_open_deals
from ml.targets import SLIP, WIN, Target
from ml.training import train_model
from orchestration.resources import MomentumResource, as_of_date

WIN_MODEL_KEY = dg.AssetKey(["ml", "win_model"])
SLIP_MODEL_KEY = dg.AssetKey(["ml", "slip_model"])
SNAPSHOTS_KEY = dg.AssetKey(["marts", "fct_deal_snapshots"])
FEATURES_KEY = dg.AssetKey(["marts", "ml_win__features"])


def _build_model_asset(key: dg.AssetKey, target: Target, description: str) -> dg.AssetsDefinition:
    @dg.asset(
        key=key, deps=[SNAPSHOTS_KEY], group_name="ml", kinds={"lightgbm", "mlflow"}, description=description
    )
    def _model(context: dg.AssetExecutionContext, momentum: MomentumResource) -> dg.MaterializeResult:
        as_of = as_of_date(context)
        result = train_model(
            target,
            momentum.url(),
            momentum.tracking_uri(),
            momentum.artifact_root(),
            as_of_date=as_of,
            min_closed_per_class=momentum.settings().min_closed_deals_per_class,
            tags={"dagster_run_id": context.run_id, "as_of_date": as_of.isoformat()},
        )
        context.log.info(result.message)
        # won_deals / lost_deals are the target's positive and negative deals (for slip: slipped / in quarter).
        metadata = {
            "outcome": result.message,
            "positive_deals": result.won_deals,
            "negative_deals": result.lost_deals,
        }
        if result.trained:
            model = result.metrics.get("model", {})
            baseline = result.metrics.get("stage_probability", {})
            metadata |= {
                "model_version": f"{target.model_name} v{result.model_version}",
                "mlflow_run_id": result.run_id,
                "holdout_auc": model.get("auc"),
                "holdout_brier": model.get("brier"),
                "stage_baseline_brier": baseline.get("brier"),
            }
        return dg.MaterializeResult(
            metadata={name: value for name, value in metadata.items() if value is not None}
        )

    return _model


win_model = _build_model_asset(
    WIN_MODEL_KEY,
    WIN,
    "The LightGBM win model (`momentum_win`): a challenger each run, `champion` when not worse.",
)
slip_model = _build_model_asset(
    SLIP_MODEL_KEY,
    SLIP,
    "The LightGBM slip model (`momentum_slip`): P(a won deal closes after its close-date quarter), trained on "
    "snapshots of won deals; a challenger each run, `champion` when not worse.",
)


@dg.asset(
    key=dg.AssetKey(["ml_outputs", "deal_scores"]),
    deps=[FEATURES_KEY, WIN_MODEL_KEY, SLIP_MODEL_KEY],
    group_name="ml_outputs",
    kinds={"python", "postgres"},
)
def deal_scores(context: dg.AssetExecutionContext, momentum: MomentumResource) -> dg.MaterializeResult:
    """Today's P(win), P(slip) and P(close in quarter) for every open deal from the champions (P(win) falls
    back to the stage probability), with top factors."""
    summary = score_open_deals(
        momentum.url(), momentum.tracking_uri(), as_of_date=as_of_date(context), scored_at=datetime.now(UTC)
    )
    context.log.info(str(summary))
    return dg.MaterializeResult(metadata={"summary": str(summary)})
