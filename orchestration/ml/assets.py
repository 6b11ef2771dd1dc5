"""`ml/win_model` and `ml/slip_model` (a challenger trained weekly), `ml/win_champion` and
`ml/slip_champion` (the alias, moved only when the promotion check found the challenger not worse) and
`ml/deal_scores` (daily)."""

from datetime import UTC, datetime

import dagster as dg

from ml.data.targets import SLIP, WIN, Target
from ml.registry.challenger import RUN_TAG, promote_this_runs_challenger
from ml.scoring.score import score_open_deals
from ml.training.train import train_model
from orchestration.dbt_project.assets import dbt_model_key
from orchestration.resources import MomentumResource, as_of_date

WIN_MODEL_KEY = dg.AssetKey(["ml", "win_model"])
SLIP_MODEL_KEY = dg.AssetKey(["ml", "slip_model"])
WIN_CHAMPION_KEY = dg.AssetKey(["ml", "win_champion"])
SLIP_CHAMPION_KEY = dg.AssetKey(["ml", "slip_champion"])
MODEL_KEYS = (WIN_MODEL_KEY, SLIP_MODEL_KEY, WIN_CHAMPION_KEY, SLIP_CHAMPION_KEY)
SNAPSHOTS_KEY = dbt_model_key("fct_deal_snapshots")
FEATURES_KEY = dbt_model_key("ml_open_deals__features")


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
            tags={RUN_TAG: context.run_id, "as_of_date": as_of.isoformat()},
            promote=False,  # the challenger_not_worse check compares it; the champion asset promotes
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
            if result.top_feature is not None:  # a leak shows as one feature carrying most of the gain
                metadata |= {
                    "top_feature": result.top_feature.name,
                    "top_feature_gain_share": round(result.top_feature.gain_share, 3),
                }
        return dg.MaterializeResult(
            metadata={name: value for name, value in metadata.items() if value is not None}
        )

    return _model


win_model = _build_model_asset(
    WIN_MODEL_KEY,
    WIN,
    "The LightGBM win model (`momentum_win`): a new `challenger` version each run.",
)
slip_model = _build_model_asset(
    SLIP_MODEL_KEY,
    SLIP,
    "The LightGBM slip model (`momentum_slip`): P(a won deal closes after its close-date quarter), trained on "
    "snapshots of won deals; a new `challenger` version each run.",
)


def _build_champion_asset(key: dg.AssetKey, model_key: dg.AssetKey, target: Target) -> dg.AssetsDefinition:
    @dg.asset(
        key=key,
        deps=[model_key],
        group_name="ml",
        kinds={"mlflow"},
        description=f"The `champion` alias of `{target.model_name}`: what scoring uses. Moves to this run's "
        "challenger only when the challenger_not_worse check found it not worse on the same holdout.",
    )
    def _champion(context: dg.AssetExecutionContext, momentum: MomentumResource) -> dg.MaterializeResult:
        outcome = promote_this_runs_challenger(
            target,
            momentum.url(),
            momentum.tracking_uri(),
            context.run_id,
            stage_floor=momentum.settings().promotion_floor,
        )
        context.log.info(outcome.message)
        metadata = {"outcome": outcome.message}
        if outcome.champion_version:
            metadata["champion_version"] = f"{target.model_name} v{outcome.champion_version}"
        if outcome.suspect_feature:
            metadata["suspect_feature"] = outcome.suspect_feature
        return dg.MaterializeResult(metadata=metadata)

    return _champion


win_champion = _build_champion_asset(WIN_CHAMPION_KEY, WIN_MODEL_KEY, WIN)
slip_champion = _build_champion_asset(SLIP_CHAMPION_KEY, SLIP_MODEL_KEY, SLIP)


@dg.asset(
    key=dg.AssetKey(["ml", "deal_scores"]),
    deps=[FEATURES_KEY, WIN_CHAMPION_KEY, SLIP_CHAMPION_KEY],
    group_name="ml",
    kinds={"python", "postgres"},
)
def deal_scores(context: dg.AssetExecutionContext, momentum: MomentumResource) -> dg.MaterializeResult:
    """Today's P(win), P(slip) and P(close in quarter) for every open deal from the champions (P(win) falls
    back to the stage probability), with top factors, and P(won inside today's quarter) from the quarter-win
    model of the quarters that ended before today (ml/quarter_wins: fitted once per training set, then loaded)."""
    summary = score_open_deals(
        momentum.url(),
        momentum.tracking_uri(),
        artifact_root=momentum.artifact_root(),
        as_of_date=as_of_date(context),
        scored_at=datetime.now(UTC),
    )
    context.log.info(str(summary))
    return dg.MaterializeResult(metadata={"summary": str(summary)})
