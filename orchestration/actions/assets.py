"""`actions/tmva_daily`: each rep's Today's Most Valuable Actions."""

import dagster as dg

from actions.tmva import build_tmvas
from extract.org_settings import fiscal_year
from ml.data.targets import WIN
from ml.registry.client import load_champion
from orchestration.dbt_project.assets import dbt_model_key
from orchestration.resources import MomentumResource, as_of_date
from orchestration.runner import REPS_WITHOUT_TMVA_PREFIX

TMVA_KEY = dg.AssetKey(["actions", "tmva_daily"])


@dg.asset(
    key=TMVA_KEY,
    deps=[
        dg.AssetKey(["ml", "deal_scores"]),
        dbt_model_key("ml_open_deals__features"),
        dbt_model_key("dim_reps"),  # who may receive advice (actions/owners.py)
        dbt_model_key("int_calls__connect_rate_by_hour"),
        dbt_model_key("stg_crm__tasks"),  # which TMVAs reps already completed or dismissed
    ],
    group_name="actions",
    kinds={"python", "postgres"},
)
def tmva_daily(context: dg.AssetExecutionContext, momentum: MomentumResource) -> dg.MaterializeResult:
    """Up to 3 actions per rep (one per deal), valued with the champion model and rendered from the playbook."""
    champion = load_champion(momentum.tracking_uri(), model_name=WIN.model_name)
    summary = build_tmvas(
        momentum.url(),
        as_of_date=as_of_date(context),
        predict=champion.predict_proba if champion else None,
        model_version=f"{champion.name} v{champion.version}" if champion else "playbook-priors",
        fiscal_year_start_month=fiscal_year(
            momentum.url(), momentum.settings().fiscal_year_start_month, momentum.layout()
        ).start_month,
    )
    context.log.info(f"TMVAs: {summary}")
    return dg.MaterializeResult(
        metadata={
            "deals_considered": summary.deals_considered,
            "candidates": summary.candidates,
            "tmvas": summary.written,
            "reps": summary.reps,
            "deals_rerouted_to_manager": summary.owners.rerouted,
            "deals_held_no_active_owner": summary.owners.held,
            # Why reps got no TMVA (actions/coverage.py), for the run summary.
            "deals_without_amount": summary.gaps.deals_without_amount,
            **{
                f"{REPS_WITHOUT_TMVA_PREFIX}{reason}": count
                for reason, count in summary.gaps.reps_without_tmva.items()
            },
        }
    )
