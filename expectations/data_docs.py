"""Validate through a file-backed GX project so every result lands in Data Docs (HTML).

The project lives beside the docs (`<docs_dir>/../gx`): its validation results store
keeps every run, and the site under `docs_dir` is rebuilt after each validation, so
its index shows the latest validation of every suite (and the earlier ones below it).
Validation itself is the same SQL as the ephemeral path in runner.py.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import great_expectations as gx
from great_expectations.data_context.types.base import ProgressBarsConfig

from expectations.suites import Validation

SITE_NAME = "momentum"
CONNECTION_VARIABLE = "MOMENTUM_GX_CONNECTION_STRING"


def validate_and_publish(
    warehouse_url: str, validation: Validation, suite: Callable[[], gx.ExpectationSuite], docs_dir: Path
):
    """Returns (the suite's validation result, the Data Docs index.html)."""
    docs_dir.mkdir(parents=True, exist_ok=True)
    context = gx.get_context(mode="file", project_root_dir=str(docs_dir.parent))
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    if SITE_NAME not in context.get_site_names():
        context.add_data_docs_site(
            site_name=SITE_NAME,
            site_config={
                "class_name": "SiteBuilder",
                "store_backend": {
                    "class_name": "TupleFilesystemStoreBackend",
                    "base_directory": str(docs_dir),
                },
                "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
            },
        )
    # The project's YAML keeps a ${VAR} reference, never the URL: a MOMENTUM_WAREHOUSE_URL password must
    # not land on disk. GX substitutes the variable each time it connects.
    os.environ[CONNECTION_VARIABLE] = warehouse_url
    source = context.data_sources.add_or_update_sql(
        "warehouse", connection_string="${" + CONNECTION_VARIABLE + "}"
    )
    asset_name = f"{validation.schema}.{validation.table}"
    try:
        asset = source.get_asset(asset_name)
    except LookupError:
        asset = source.add_table_asset(asset_name, table_name=validation.table, schema_name=validation.schema)
    try:
        batch_definition = asset.get_batch_definition("whole_table")
    except KeyError:
        batch_definition = asset.add_batch_definition_whole_table("whole_table")
    stored_suite = context.suites.add_or_update(suite())
    definition = context.validation_definitions.add_or_update(
        gx.ValidationDefinition(name=validation.name, data=batch_definition, suite=stored_suite)
    )
    checkpoint = context.checkpoints.add_or_update(
        gx.Checkpoint(
            name=validation.name,
            validation_definitions=[definition],
            actions=[gx.checkpoint.UpdateDataDocsAction(name="data_docs", site_names=[SITE_NAME])],
        )
    )
    (result,) = checkpoint.run().run_results.values()
    return result, docs_dir / "index.html"
