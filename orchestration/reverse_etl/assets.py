"""`reverse_etl/<mapping>`: one reverse-ETL sync per mapping in reverse_etl/mappings/."""

from datetime import date

import dagster as dg
import psycopg
from psycopg import sql

from crm.connectors import crm_destination, sync_not_taken
from orchestration.dbt_project.assets import dbt_model_key
from orchestration.resources import AS_OF_TAG, MomentumResource
from orchestration.reverse_etl.run_config import SyncRunConfig
from reverse_etl.guard import Override
from reverse_etl.mapping import Mapping, load_mappings
from reverse_etl.result import DRY_RUN, FAILED, REFUSED, STOPPED, format_summary
from reverse_etl.sync import run_sync

MODEL_VERSION_FIELD = "ai_model_version"


def _build_sync_asset(mapping: Mapping, payload_keys: list[dg.AssetKey]) -> dg.AssetsDefinition:
    @dg.asset(
        key=dg.AssetKey(["reverse_etl", mapping.name]),
        # Every payload, not only its own: a blocking check on either payload stops both syncs, so
        # the CRM never gets today's tasks without the matching next best action (or the reverse).
        deps=payload_keys,
        group_name="reverse_etl",
        kinds={"postgres"},
        description=f"Reverse ETL {mapping.source} -> CRM {mapping.object}. {mapping.description}",
    )
    def _sync(
        context: dg.AssetExecutionContext, momentum: MomentumResource, config: SyncRunConfig
    ) -> dg.MaterializeResult:
        # Blocking checks upstream already stop this asset from running, so upstream_ok holds here.
        url = momentum.url()
        destination = crm_destination(momentum.settings())
        not_taken = sync_not_taken(momentum.settings(), mapping)
        if destination is None or not_taken:
            message = not_taken or (
                f"no write-back to MOMENTUM_CRM={momentum.settings().crm} in this version: today's "
                f"{mapping.object} payload is in reverse_etl.{mapping.source}, nothing was sent"
            )
            context.log.warning(message)
            return dg.MaterializeResult(metadata={"status": "no_destination", "note": message})
        versions = _payload_model_versions(url, mapping)
        last_versions = _last_synced_model_versions(context)
        # A new champion rescored every deal: a mass change is expected today, not a sign of bad data.
        new_model = last_versions is not None and versions != last_versions
        override = None
        if config.force_reason:  # the user's release (momentum run --force-sync), logged with its reason
            override = Override(config.force_reason, by=config.forced_by)
        elif new_model:
            override = Override(f"new model ({last_versions} -> {versions})", by="momentum")
        if override:
            context.log.info(f"change-share guard released for this run: {override.reason}")
        as_of_tag = context.run.tags.get(AS_OF_TAG)
        result = run_sync(
            url,
            url,
            mapping,
            open_destination=destination,
            run_id=context.run_id,
            override=override,
            dry_run=config.dry_run,
            as_of=date.fromisoformat(as_of_tag) if as_of_tag else None,
        )
        context.log.info(format_summary(result))
        # A partial sync (some records rejected by the CRM) is logged per record and retried tomorrow;
        # a refused, stopped or failed one wrote nothing and must be seen.
        if result.status in (FAILED, REFUSED, STOPPED):
            raise dg.Failure(description=format_summary(result))
        if result.status == DRY_RUN:
            # Nothing was written: the versions the CRM holds are still those of the last real sync.
            versions = last_versions
        return dg.MaterializeResult(
            metadata={
                **_dry_run_metadata(result),
                "status": result.status,
                "received": result.received,
                "changed": result.changed,
                "written": result.written,
                "retired": result.retired,
                "failed": result.failed,
                **({"model_versions": versions} if versions is not None else {}),
            }
        )

    return _sync


def _dry_run_metadata(result) -> dict:
    """What a dry run would change, for the run summary (orchestration/summary.py)."""
    if result.status != DRY_RUN:
        return {}
    sample = [
        {
            "record_key": record["record_key"],
            "action": record["action"],
            "changes": {field: [_text(old), _text(new)] for field, (old, new) in record["changes"].items()},
        }
        for record in result.sample
    ]
    return {
        "dry_run_field_counts": dg.MetadataValue.json(dict(result.field_counts)),
        "dry_run_sample": dg.MetadataValue.json(sample),
        "dry_run_message": result.message,
    }


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def _payload_model_versions(url: str, mapping: Mapping) -> str:
    """The model versions behind today's payload ('' when the mapping carries none)."""
    if MODEL_VERSION_FIELD not in mapping.fields:
        return ""
    query = sql.SQL("select distinct {field} from {source} where {field} is not null order by 1").format(
        field=sql.Identifier(MODEL_VERSION_FIELD), source=sql.Identifier(*mapping.source_parts)
    )
    with psycopg.connect(url) as conn:
        return ", ".join(row[0] for row in conn.execute(query))


def _last_synced_model_versions(context: dg.AssetExecutionContext) -> str | None:
    event = context.instance.get_latest_materialization_event(context.asset_key)
    if event is None or event.asset_materialization is None:
        return None
    versions = event.asset_materialization.metadata.get("model_versions")
    return None if versions is None else versions.value


_mappings = load_mappings().values()
_payload_keys = [dbt_model_key(mapping.source_parts[-1]) for mapping in _mappings]
reverse_etl_assets = [_build_sync_asset(mapping, _payload_keys) for mapping in _mappings]
