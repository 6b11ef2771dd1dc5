"""The manifest parses after a model of the disabled staging folder changed (dbt's partial parsing fails there)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from orchestration.dbt_project.manifest import parse_project
from orchestration.resources import DBT_PROJECT_DIR, DBT_STAGING_VARIABLE


def test_a_changed_model_of_the_disabled_staging_folder_still_parses(tmp_path: Path, monkeypatch):
    project = tmp_path / "dbt_project"
    shutil.copytree(DBT_PROJECT_DIR, project, ignore=shutil.ignore_patterns("target", "logs"))
    monkeypatch.setenv(DBT_STAGING_VARIABLE, "demo")
    parse_project(project, project / "target")
    # WHEN a model of the disabled folder (named as the enabled folder's) changes and the project is parsed again
    disabled = project / "models" / "staging" / "salesforce" / "stg_crm__accounts.sql"
    disabled.write_text(disabled.read_text() + "\n-- edited\n")
    parse_project(project, project / "target")

    # THEN the manifest holds the enabled folder's model
    nodes = json.loads((project / "target" / "manifest.json").read_text())["nodes"]
    assert (
        nodes["model.momentum.stg_crm__accounts"]["original_file_path"]
        == "models/staging/demo/stg_crm__accounts.sql"
    )
