"""`crm_sync/<mapping>`: one reverse-ETL sync per mapping in reverse_etl/mappings/."""

import dagster as dg

from orchestration.resources import MomentumResource
from reverse_etl.mapping import Mapping, load_mappings
from reverse_etl.result import FAILED, REFUSED, STOPPED, format_summary
from reverse_etl.sync import run_sync


def _build_sync_asset(mapping: Mapping) -> dg.AssetsDefinition:
    schema, relation = mapping.source_parts

    @dg.asset(
        key=dg.AssetKey(["crm_sync", mapping.name]),
        deps=[dg.AssetKey([schema, relation])],
        group_name="crm_sync",
        kinds={"postgres"},
        description=f"Reverse ETL {mapping.source} -> CRM {mapping.object}. {mapping.description}",
    )
    def _sync(context: dg.AssetExecutionContext, momentum: MomentumResource) -> dg.MaterializeResult:
        # Blocking checks upstream already stop this asset from running, so upstream_ok holds here.
        url = momentum.url()
        result = run_sync(url, url, mapping, run_id=context.run_id)
        context.log.info(format_summary(result))
        # A partial sync (some records rejected by the CRM) is logged per record and retried tomorrow;
        # a refused, stopped or failed one wrote nothing and must be seen.
        if result.status in (FAILED, REFUSED, STOPPED):
            raise dg.Failure(description=format_summary(result))
        return dg.MaterializeResult(
            metadata={
                "status": result.status,
                "received": result.received,
                "changed": result.changed,
                "written": result.written,
                "retired": result.retired,
                "failed": result.failed,
            }
        )

    return _sync


crm_sync_assets = [_build_sync_asset(mapping) for mapping in load_mappings().values()]
