"""Run the dbt project against a test database whose raw_crm is a copy of a demo-CRM schema."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import psycopg

from warehouse.server import dbt_environment

REPO_ROOT = Path(__file__).resolve().parents[2]
DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"
CRM_SCHEMA_SQL = REPO_ROOT / "simulator" / "schema.sql"
OUTPUT_TABLES_SQL = Path(__file__).with_name("output_tables.sql")
DBT_EXECUTABLE = Path(sys.executable).with_name("dbt")

CRM_TABLES = (
    "user",
    "account",
    "contact",
    "opportunity_stage",
    "opportunity",
    "opportunity_history",
    "opportunity_contact_role",
    "task",
    "event",
    "forecast_submission",
)


def create_crm_schema(conn: psycopg.Connection) -> None:
    conn.execute(CRM_SCHEMA_SQL.read_text())


def copy_crm_into_raw_crm(conn: psycopg.Connection) -> None:
    """raw_crm.X = crm.X + the extract's bookkeeping columns (extract/load.py), the shape the extract writes."""
    conn.execute("create schema if not exists raw_crm")
    for table in CRM_TABLES:
        conn.execute(f'drop table if exists raw_crm."{table}"')
        conn.execute(
            f'create table raw_crm."{table}" as select *, now() as _extracted_at, '
            f'null::timestamptz as _deleted_at, null::text as _newer_version_rejected from crm."{table}"'
        )
        # As the extract should: without statistics the planner guesses row counts.
        conn.execute(f'analyze raw_crm."{table}"')


def append_crm_to_raw_crm(conn: psycopg.Connection) -> None:
    """A later extract: every crm row appended again (staging keeps the latest per key), views intact."""
    for table in CRM_TABLES:
        conn.execute(f'insert into raw_crm."{table}" select *, now(), null, null from crm."{table}"')
        conn.execute(f'analyze raw_crm."{table}"')


def create_output_tables(conn: psycopg.Connection) -> None:
    conn.execute(OUTPUT_TABLES_SQL.read_text())


def run_dbt(
    url: str, command: str, as_of_date: str, work_dir: Path, *extra: str, staging: str = "demo"
) -> subprocess.CompletedProcess:
    """`dbt <command>` on the database at `url`; target and logs go to work_dir, not the repo. `staging` is the
    staging folder to enable (MOMENTUM_DBT_STAGING: demo reads raw_crm, salesforce raw_salesforce)."""
    args = [
        str(DBT_EXECUTABLE),
        command,
        "--project-dir",
        str(DBT_PROJECT_DIR),
        "--profiles-dir",
        str(DBT_PROJECT_DIR),
        "--target-path",
        str(work_dir / "target"),
        "--log-path",
        str(work_dir / "logs"),
        "--vars",
        json.dumps({"as_of_date": as_of_date}),
        *extra,
    ]
    env = {
        "PATH": str(DBT_EXECUTABLE.parent),
        "HOME": str(work_dir),
        "MOMENTUM_DBT_STAGING": staging,
        **dbt_environment(url),
    }
    return subprocess.run(args, env=env, capture_output=True, text=True, timeout=600)
