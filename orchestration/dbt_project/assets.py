"""The dbt project as Dagster assets: staging -> intermediate -> marts, and the CRM payloads.

Two selections of one project, because Python assets sit in the middle of the
chain: the warehouse models feed scoring and TMVAs, and the models that read
their outputs (`ml`, `actions` sources) build after them.
"""

import contextlib
from collections.abc import Mapping
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, dbt_assets, get_asset_key_for_model

from orchestration.dbt_project.manifest import require_manifest
from orchestration.resources import MomentumResource, dbt_build_args

PYTHON_OUTPUT_SOURCES = "source:ml+ source:actions+"


class FolderTranslator(DagsterDbtTranslator):
    """Asset group = dbt folder (= schema), so the graph reads staging -> intermediate -> marts -> reverse_etl."""

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        fqn = dbt_resource_props.get("fqn", [])
        return fqn[1] if len(fqn) > 2 else None


def _dbt_selection(name: str, **selection: str) -> dg.AssetsDefinition:
    """`dbt build` of one selection of the project (tests included), on the run's as-of date."""

    @dbt_assets(
        manifest=require_manifest(), dagster_dbt_translator=FolderTranslator(), name=name, **selection
    )
    def _models(context: dg.AssetExecutionContext, dbt: DbtCliResource, momentum: MomentumResource):
        momentum.export_dbt_environment()
        yield from dbt.cli(dbt_build_args(context, momentum), context=context).stream()

    return _models


# Staging, intermediate and mart models built from raw_crm.
dbt_warehouse_models = _dbt_selection("dbt_warehouse_models", exclude=PYTHON_OUTPUT_SOURCES)
# Models over the scores and TMVAs: their staging views, the forecast mart and the CRM sync payloads.
dbt_output_models = _dbt_selection("dbt_output_models", select=PYTHON_OUTPUT_SOURCES)


def dbt_model_key(model_name: str) -> dg.AssetKey:
    """A dbt model's asset key, as the manifest and the translator make it (KeyError if there is no such model)."""
    for selection in (dbt_warehouse_models, dbt_output_models):
        with contextlib.suppress(KeyError):
            return get_asset_key_for_model([selection], model_name)
    raise KeyError(f"no dbt model named {model_name} in the project")
