"""The dbt manifest the Dagster definitions are built from: made before the definitions load, never by them.

`prepare_manifest` parses the project when the manifest is missing or older than any model, test, macro
or YAML file; every `momentum` command that loads the definitions calls it first (as do the tests). The
definitions themselves only check (`require_manifest`), so importing them never starts a dbt process.
"""

from __future__ import annotations

from pathlib import Path

from dagster_dbt import DbtCliResource

from orchestration.resources import DBT_EXECUTABLE, dbt_project


class ManifestMissing(RuntimeError):
    pass


def _stale() -> bool:
    manifest = Path(dbt_project.manifest_path)
    if not manifest.exists():
        return True
    project_dir = Path(dbt_project.project_dir)
    sources = [
        path
        for folder in ("models", "tests", "macros")
        for path in (project_dir / folder).rglob("*")
        if path.suffix in (".sql", ".yml")
    ] + [project_dir / "dbt_project.yml"]
    return max(path.stat().st_mtime for path in sources) > manifest.stat().st_mtime


def prepare_manifest() -> None:
    """`dbt parse` when the manifest is missing or stale (a few seconds); nothing otherwise."""
    if _stale():
        # Our own parse rather than dbt_project.preparer: that one looks for `dbt` on PATH, and `make`
        # runs from .venv/bin without activating it.
        DbtCliResource(project_dir=dbt_project, dbt_executable=DBT_EXECUTABLE).cli(
            ["parse", "--quiet"], target_path=Path(dbt_project.manifest_path).parent
        ).wait()


def require_manifest() -> Path:
    if _stale():
        raise ManifestMissing(
            f"the dbt manifest {dbt_project.manifest_path} is missing or older than the dbt project: "
            "load the definitions through the `momentum` command (demo, run, retrain or ui), which parses "
            "the project first"
        )
    return Path(dbt_project.manifest_path)
