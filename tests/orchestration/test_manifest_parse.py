"""The manifest holds the enabled staging folder's models after a model of the disabled folder changed.

Both staging folders name their models alike (models/staging/demo/ and salesforce/), and dbt 1.11's partial
parsing then drops the enabled folder's model: on this project of three models silently, on the real one with
"depends on a node named 'stg_crm__accounts' which is disabled"."""

from __future__ import annotations

import json
from pathlib import Path

from orchestration.dbt_project.manifest import parse_project
from orchestration.resources import DBT_PROJECT_DIR, DBT_STAGING_VARIABLE

PROJECT = """
name: momentum
version: "1.0.0"
config-version: 2
profile: momentum
models:
  momentum:
    staging:
      demo:
        +enabled: "{{ env_var('MOMENTUM_DBT_STAGING', 'demo') == 'demo' }}"
      salesforce:
        +enabled: "{{ env_var('MOMENTUM_DBT_STAGING', 'demo') == 'salesforce' }}"
"""


def test_a_changed_model_of_the_disabled_staging_folder_still_parses(tmp_path: Path, monkeypatch):
    project = tmp_path / "dbt_project"
    for folder in ("demo", "salesforce"):
        (project / "models" / "staging" / folder).mkdir(parents=True)
        (project / "models" / "staging" / folder / "stg_crm__accounts.sql").write_text(
            "select 1 as account_id\n"
        )
    (project / "models" / "dim_accounts.sql").write_text("select * from {{ ref('stg_crm__accounts') }}\n")
    (project / "dbt_project.yml").write_text(PROJECT)
    (project / "profiles.yml").write_text((Path(DBT_PROJECT_DIR) / "profiles.yml").read_text())
    monkeypatch.setenv(DBT_STAGING_VARIABLE, "demo")
    parse_project(project, project / "target")
    # WHEN the disabled folder's model changes and the project is parsed again
    (project / "models" / "staging" / "salesforce" / "stg_crm__accounts.sql").write_text(
        "select 2 as account_id\n"
    )
    parse_project(project, project / "target")

    # THEN the manifest holds the enabled folder's model
    nodes = json.loads((project / "target" / "manifest.json").read_text())["nodes"]
    assert (
        nodes["model.momentum.stg_crm__accounts"]["original_file_path"]
        == "models/staging/demo/stg_crm__accounts.sql"
    )
