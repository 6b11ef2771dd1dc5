"""Great Expectations suites from expectations/registry.yml, one Dagster asset check each.

Raw CRM objects, features, scores and CRM payloads alike: the registry names the asset, and a
`block` suite becomes a blocking check, so a failure stops the asset's dependents in the same run.
"""

import dagster as dg

from crm.connectors import crm_layout
from expectations.runner import run_validation
from expectations.suites import Validation, for_raw_schema, load_registry
from orchestration.expectations.data_as_of import crm_today_of_run, data_as_of_date
from orchestration.resources import MomentumResource, as_of_date
from orchestration.reverse_etl.run_config import released_syncs
from warehouse.server import connect
from warehouse.settings import load_settings

# Raw suites are per source (raw_crm.* for the demo CRM, raw_salesforce.* for Salesforce): only the
# configured CRM's apply. Every other suite reads what staging made of it, the same for every source.
LAYOUT = crm_layout(load_settings())

# What the pipeline assumes when an optional CRM object is missing.
OPTIONAL_DEFAULTS = {
    "organization": "fiscal year starting in January, unless MOMENTUM_FISCAL_YEAR_START_MONTH"
}
OPTIONAL_OBJECTS = {o.name: OPTIONAL_DEFAULTS.get(o.name, "none") for o in LAYOUT.objects if o.optional}


def _build_check(validation: Validation) -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=dg.AssetKey(validation.asset.split("/")),
        name=validation.suite,
        blocking=validation.blocking,
        description=f"Great Expectations suite {validation.suite} ({validation.severity}).",
    )
    def _check(context: dg.AssetCheckExecutionContext, momentum: MomentumResource) -> dg.AssetCheckResult:
        if validation.table in OPTIONAL_OBJECTS and not _table_exists(momentum.url(), validation):
            return dg.AssetCheckResult(
                passed=False,
                severity=dg.AssetCheckSeverity.WARN,
                description=f"{validation.schema}.{validation.table} is absent: the CRM has no "
                f"{validation.table} object, so Momentum uses its defaults ({OPTIONAL_OBJECTS[validation.table]})",
            )
        # Freshness and relative bounds count from the data's own day (the run's as-of date, or the CRM's today
        # when earlier: an export), never from the machine's clock (orchestration/expectations/data_as_of.py).
        crm_today = crm_today_of_run(context.run.run_id, momentum.settings(), momentum.url())
        outcome = run_validation(
            momentum.url(),
            validation,
            dagster_run_id=context.run.run_id,
            load_date=data_as_of_date(as_of_date(context), crm_today),
            # A sync the user releases (--force-sync) or runs dry is judged by its own guard, not stopped here.
            released_syncs=released_syncs(context.run.run_config),
        )
        return dg.AssetCheckResult(
            passed=outcome.success,
            severity=dg.AssetCheckSeverity.ERROR if validation.blocking else dg.AssetCheckSeverity.WARN,
            # The check's name is the suite and its asset the table, so the description is the outcome.
            description=outcome.details(),
            metadata={"expectations": outcome.evaluated, "failures": "\n".join(outcome.failures) or "none"},
        )

    return _check


def _table_exists(url: str, validation: Validation) -> bool:
    with connect(url) as conn:
        name = f"{validation.schema}.{validation.table}"
        return conn.execute("select to_regclass(%s)", (name,)).fetchone()[0] is not None


expectation_checks = [
    _build_check(validation) for validation in for_raw_schema(load_registry(), LAYOUT.schema)
]
