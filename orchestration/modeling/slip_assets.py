"""`ml/slip_model`: P(a won deal slips past its close-date quarter), trained weekly beside the win model.

Wiring (orchestration/definitions.py, jobs.py and modeling/assets.py belong to the lead):
- definitions.py: add `slip_model` to `assets`;
- jobs.py: add `slip_model` to the retrain job's selection and subtract SLIP_MODEL_KEY from the morning's;
- modeling/assets.py: add SLIP_MODEL_KEY to deal_scores' deps (scoring already loads the slip champion).
"""

import dagster as dg

from ml.targets import SLIP
from ml.training import train_slip_model
from orchestration.resources import MomentumResource, as_of_date

SLIP_MODEL_KEY = dg.AssetKey(["ml", "slip_model"])
# Spelled out rather than imported from modeling/assets.py, so that module can import SLIP_MODEL_KEY from
# here (deal_scores depends on the slip model) without a circular import.
SNAPSHOTS_KEY = dg.AssetKey(["marts", "fct_deal_snapshots"])


@dg.asset(key=SLIP_MODEL_KEY, deps=[SNAPSHOTS_KEY], group_name="ml", kinds={"lightgbm", "mlflow"})
def slip_model(context: dg.AssetExecutionContext, momentum: MomentumResource) -> dg.MaterializeResult:
    """The LightGBM slip model in the MLflow registry (`momentum_slip`): a challenger each run, `champion`
    when not worse. Trained on snapshots of won deals only."""
    as_of = as_of_date(context)
    result = train_slip_model(
        momentum.url(),
        momentum.tracking_uri(),
        momentum.artifact_root(),
        as_of_date=as_of,
        min_closed_per_class=momentum.settings().min_closed_deals_per_class,
        tags={"dagster_run_id": context.run_id, "as_of_date": as_of.isoformat()},
    )
    context.log.info(result.message)
    metadata = {
        "outcome": result.message,
        "slipped_deals": result.won_deals,
        "in_quarter_deals": result.lost_deals,
    }
    if result.trained:
        model = result.metrics.get("model", {})
        metadata |= {
            "model_version": f"{SLIP.model_name} v{result.model_version}",
            "mlflow_run_id": result.run_id,
            "holdout_auc": model.get("auc"),
            "holdout_brier": model.get("brier"),
        }
    return dg.MaterializeResult(metadata={key: value for key, value in metadata.items() if value is not None})
