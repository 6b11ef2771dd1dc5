"""The dbt manifest the Dagster definitions are built from: made before the definitions load, never by them.

`prepare_manifest` parses the project when the manifest is missing, older than any model, test, macro
or YAML file, or parsed for another CRM's staging folder (MOMENTUM_CRM chooses it); every `momentum` command that loads the definitions calls it first (as do the tests). The
definitions themselves only check (`require_manifest`), so importing them never starts a dbt process.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from dagster_dbt import DbtCliResource

from crm.connectors import crm_layout
from orchestration.resources import DBT_EXECUTABLE, DBT_STAGING_VARIABLE, dbt_project
from warehouse.settings import load_settings

# A staging model every source folder implements: its file path tells which folder a manifest was parsed with.
CONTRACT_PROBE = "model.momentum.stg_crm__opportunities"


class ManifestMissing(RuntimeError):
    pass


def _stale(staging: str) -> bool:
    manifest = Path(dbt_project.manifest_path)
    if not manifest.exists() or _parsed_staging(manifest) != staging:
        return True
    project_dir = Path(dbt_project.project_dir)
    sources = [
        path
        for folder in ("models", "tests", "macros")
        for path in (project_dir / folder).rglob("*")
        if path.suffix in (".sql", ".yml")
    ] + [project_dir / "dbt_project.yml"]
    return max(path.stat().st_mtime for path in sources) > manifest.stat().st_mtime


def _parsed_staging(manifest: Path) -> str | None:
    """The staging folder (demo, salesforce) the manifest was parsed with."""
    with manifest.open() as file:
        node = json.load(file).get("nodes", {}).get(CONTRACT_PROBE, {})
    parts = Path(node.get("original_file_path", "")).parts
    return parts[2] if len(parts) > 3 and parts[:2] == ("models", "staging") else None


def _configured_staging() -> str:
    return crm_layout(load_settings()).dbt_staging


def prepare_manifest() -> None:
    """`dbt parse` when the manifest is missing or stale (a few seconds); nothing otherwise."""
    staging = _configured_staging()
    os.environ[DBT_STAGING_VARIABLE] = staging
    if _stale(staging):
        parse_project(dbt_project.project_dir, Path(dbt_project.manifest_path).parent)


def parse_project(project_dir: str | Path, target_path: Path) -> None:
    """`dbt parse` of the whole project into target_path: the manifest, and dbt's partial-parse state that the
    runs' dbt invocations start from.

    Our own parse rather than dbt_project.preparer: that one looks for `dbt` on PATH, and `make` runs from
    .venv/bin without activating it. Never a partial parse: once a model of the disabled staging folder
    changes, dbt 1.11's partial parsing drops the enabled folder's model of the same name (both folders name
    their models alike) and either fails ("depends on a node named 'stg_crm__accounts' which is disabled") or
    writes a manifest without it. A full parse costs a few seconds more, only when the project changed.
    """
    dbt = DbtCliResource(
        project_dir=str(project_dir), profiles_dir=str(project_dir), dbt_executable=DBT_EXECUTABLE
    )
    dbt.cli(["parse", "--quiet", "--no-partial-parse"], target_path=target_path).wait()


def require_manifest() -> Path:
    if _stale(_configured_staging()):
        raise ManifestMissing(
            f"the dbt manifest {dbt_project.manifest_path} is missing or older than the dbt project: "
            "load the definitions through the `momentum` command (demo, run, retrain or ui), which parses "
            "the project first"
        )
    return Path(dbt_project.manifest_path)
