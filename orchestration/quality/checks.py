"""Great Expectations suites from expectations/registry.yml, one Dagster asset check each.

Raw CRM objects, features, scores and CRM payloads alike: the registry names the asset, and a
`block` suite becomes a blocking check, so a failure stops the asset's dependents in the same run.
"""

import dagster as dg

from expectations.runner import run_validation
from expectations.suites import Validation, load_registry
from orchestration.resources import MomentumResource


def _build_check(validation: Validation) -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=dg.AssetKey(validation.asset.split("/")),
        name=validation.suite,
        blocking=validation.blocking,
        description=f"Great Expectations suite {validation.suite} ({validation.severity}).",
    )
    def _check(context: dg.AssetCheckExecutionContext, momentum: MomentumResource) -> dg.AssetCheckResult:
        outcome = run_validation(momentum.url(), validation, dagster_run_id=context.run.run_id)
        return dg.AssetCheckResult(
            passed=outcome.success,
            severity=dg.AssetCheckSeverity.ERROR if validation.blocking else dg.AssetCheckSeverity.WARN,
            # The check's name is the suite and its asset the table, so the description is the outcome.
            description=outcome.details(),
            metadata={"expectations": outcome.evaluated, "failures": "\n".join(outcome.failures) or "none"},
        )

    return _check


expectation_checks = [_build_check(validation) for validation in load_registry()]
