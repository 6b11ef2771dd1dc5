"""`ml/deal_scores_backtest`: the walk-forward forecast backtest (ml/backtest/), in the weekly retrain job.

Rematerialize it alone from the UI (or `momentum forecast backtest --rerun`) after a change to the models or
the snapshots; the forecast marts pick its scores up on the next morning run."""

import dagster as dg

from ml.backtest.run import run_backtest
from orchestration.dbt_project.assets import dbt_model_key
from orchestration.resources import MomentumResource, as_of_date

BACKTEST_KEY = dg.AssetKey(["ml", "deal_scores_backtest"])


@dg.asset(
    key=BACKTEST_KEY,
    deps=[dbt_model_key("fct_deal_snapshots"), dbt_model_key("int_forecast_weeks")],
    group_name="ml",
    kinds={"lightgbm", "mlflow", "postgres"},
)
def deal_scores_backtest(
    context: dg.AssetExecutionContext, momentum: MomentumResource
) -> dg.MaterializeResult:
    """Every past snapshot date of every complete fiscal quarter scored as that morning would have scored it:
    win and slip models trained at the quarter's start on deals closed before it (MLflow experiment
    `momentum_backtest`, never registered). fct_forecast_accuracy shows them as ai_forecast_source='backtest'."""
    summary = run_backtest(
        momentum.url(),
        momentum.tracking_uri(),
        momentum.artifact_root(),
        as_of_date=as_of_date(context),
        min_closed_per_class=momentum.settings().min_closed_deals_per_class,
    )
    context.log.info(str(summary))
    return dg.MaterializeResult(
        metadata={
            "summary": str(summary),
            "backtest_run_id": summary.run_id,
            "quarters": len(summary.quarters),
            "scored_snapshots": summary.scored_rows,
        }
    )
