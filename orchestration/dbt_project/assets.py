"""The dbt project as Dagster assets: staging -> intermediate -> marts, and the CRM payloads.

Two selections of one project, because Python assets sit in the middle of the
chain: the warehouse models feed scoring and TMVAs, and the models that read
their outputs (`ml`, `actions` sources) build after them.
"""

from collections.abc import Mapping
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, dbt_assets

from orchestration.resources import DBT_EXECUTABLE, MomentumResource, dbt_build_args, dbt_project

PYTHON_OUTPUT_SOURCES = "source:ml+ source:actions+"


class FolderTranslator(DagsterDbtTranslator):
    """Asset group = dbt folder (= schema), so the graph reads staging -> intermediate -> marts -> reverse_etl."""

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        fqn = dbt_resource_props.get("fqn", [])
        return fqn[1] if len(fqn) > 2 else None


def _ensure_manifest() -> None:
    """Parse the dbt project when its manifest is missing or older than any model, test, macro or YAML."""
    manifest = dbt_project.manifest_path
    sources = [
        path
        for folder in ("models", "tests", "macros")
        for path in (dbt_project.project_dir / folder).rglob("*")
        if path.suffix in (".sql", ".yml")
    ] + [dbt_project.project_dir / "dbt_project.yml"]
    if not manifest.exists() or max(path.stat().st_mtime for path in sources) > manifest.stat().st_mtime:
        # Our own parse rather than dbt_project.preparer: that one looks for `dbt` on PATH, and `make`
        # runs from .venv/bin without activating it.
        DbtCliResource(project_dir=dbt_project, dbt_executable=DBT_EXECUTABLE).cli(
            ["parse", "--quiet"], target_path=manifest.parent
        ).wait()


_ensure_manifest()


def _dbt_selection(name: str, **selection: str) -> dg.AssetsDefinition:
    """`dbt build` of one selection of the project (tests included), on the run's as-of date."""

    @dbt_assets(
        manifest=dbt_project.manifest_path, dagster_dbt_translator=FolderTranslator(), name=name, **selection
    )
    def _models(context: dg.AssetExecutionContext, dbt: DbtCliResource, momentum: MomentumResource):
        momentum.export_dbt_environment()
        yield from dbt.cli(dbt_build_args(context, momentum), context=context).stream()

    return _models


# Staging, intermediate and mart models built from raw_crm.
dbt_warehouse_models = _dbt_selection("dbt_warehouse_models", exclude=PYTHON_OUTPUT_SOURCES)
# Models over the scores and TMVAs: their staging views, the forecast mart and the CRM sync payloads.
dbt_output_models = _dbt_selection("dbt_output_models", select=PYTHON_OUTPUT_SOURCES)
