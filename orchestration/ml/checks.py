"""`challenger_not_worse`: this run's challenger against the champion, on the same holdout, before the
champion asset may move the alias (blocking, so the champion asset always runs after it)."""

import dagster as dg

from ml.data.targets import SLIP, WIN, Target
from ml.registry.challenger import challenger_of_run, compare_challenger
from orchestration.ml.assets import SLIP_MODEL_KEY, WIN_MODEL_KEY
from orchestration.resources import MomentumResource


def _build_promotion_check(model_key: dg.AssetKey, target: Target) -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=model_key,
        name="challenger_not_worse",
        blocking=True,
        description=f"This run's {target.model_name} challenger has a log loss not worse than the champion's "
        "(tolerance 0.005) on the holdout it was trained against; a first champion must beat the best baseline's "
        "holdout AUC (stage probability, CRM probability, forecast category), and a holdout AUC of 0.98 or more, "
        "or one feature carrying 60% or more of the gain, is refused as a likely leak naming the feature.",
    )
    def _check(context: dg.AssetCheckExecutionContext, momentum: MomentumResource) -> dg.AssetCheckResult:
        version = challenger_of_run(momentum.tracking_uri(), target, context.run.run_id)
        if version is None:
            return dg.AssetCheckResult(passed=True, description="no challenger trained in this run")
        decision = compare_challenger(
            target,
            momentum.url(),
            momentum.tracking_uri(),
            version,
            stage_floor=momentum.settings().promotion_floor,
        )
        metadata = {"challenger_version": version, "challenger_log_loss": decision.challenger_log_loss}
        if decision.suspect_feature is not None:
            metadata["suspect_feature"] = decision.suspect_feature
        if decision.champion_log_loss is not None:
            metadata |= {
                "champion_version": decision.previous_champion_version,
                "champion_log_loss": decision.champion_log_loss,
            }
        # A worse challenger is a normal outcome, not a data failure: WARN, and the champion stays.
        return dg.AssetCheckResult(
            passed=decision.promoted,
            severity=dg.AssetCheckSeverity.WARN,
            description=f"v{version}: {decision.reason}",
            metadata=metadata,
        )

    return _check


promotion_checks = [_build_promotion_check(WIN_MODEL_KEY, WIN), _build_promotion_check(SLIP_MODEL_KEY, SLIP)]
