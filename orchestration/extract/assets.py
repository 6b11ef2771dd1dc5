"""`<raw schema>/<object>`: the CRM copied into the warehouse, incrementally (asset group `extract`).

The keys follow the configured CRM's layout (MOMENTUM_CRM: `raw_crm/opportunity` for the demo CRM,
`raw_salesforce/opportunity` for Salesforce), so dbt's sources in that staging folder attach to them.
"""

import dagster as dg

from crm.connectors import crm_layout, crm_source
from extract.load import extract_crm
from extract.source_switch import check_source_switch
from orchestration.resources import MomentumResource, is_full_refresh
from warehouse.settings import load_settings

LAYOUT = crm_layout(load_settings())
RAW_ASSET_KEYS = {
    crm_object.name: dg.AssetKey([LAYOUT.schema, crm_object.name]) for crm_object in LAYOUT.objects
}


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            key, group_name="extract", description=f"CRM object `{name}` as extracted, one row per record."
        )
        for name, key in RAW_ASSET_KEYS.items()
    ],
    name="extract_crm",
)
def extract_crm_objects(
    context: dg.AssetExecutionContext,
    momentum: MomentumResource,
    run_lock: dg.ResourceParam[None],  # every job starts here: the lock is held from here to the run's end
):
    """Copy new and changed CRM records (modstamp at or after the last watermark) into the raw schema."""
    url = momentum.url()
    check_source_switch(url, LAYOUT, full_refresh=is_full_refresh(context))
    extracted_objects = extract_crm(
        crm_source(momentum.settings(), url),
        url,
        run_id=context.run.run_id,
        full_refresh=is_full_refresh(context),
    )
    for extracted in extracted_objects:
        if extracted.absent:
            context.log.warning(f"{extracted.object_name}: not in this CRM (optional), nothing extracted")
            yield dg.MaterializeResult(
                asset_key=RAW_ASSET_KEYS[extracted.object_name], metadata={"absent_in_crm": True}
            )
            continue
        context.log.info(
            f"{extracted.object_name}: received {extracted.received}, loaded {extracted.loaded}, "
            f"quarantined {extracted.rejected} ({LAYOUT.schema}._rejects), deleted in the CRM {extracted.deleted}, "
            f"restored {extracted.restored}, held by a quarantined update {extracted.held}"
        )
        yield dg.MaterializeResult(
            asset_key=RAW_ASSET_KEYS[extracted.object_name],
            metadata={
                "received": extracted.received,
                "loaded": extracted.loaded,
                "rejected": extracted.rejected,
                "deleted": extracted.deleted,
                "restored": extracted.restored,
                "held": extracted.held,
                "missing_columns": ", ".join(extracted.missing_columns) or "none",
                "high_watermark": str(extracted.high_watermark),
            },
        )
