"""The dashboard's role reads the marts and the reporting models, and nothing else; it writes nothing."""

from __future__ import annotations

import stat

import psycopg
import pytest

from warehouse.reader import READER_ROLE, ensure_reader_role, reader_password
from warehouse.roles import ensure_pipeline_role


def test_the_reader_sees_marts_and_dashboards_only_and_cannot_write(warehouse_url):
    # GIVEN the pipeline's schemas with a table each, and the simulator's truth
    pipeline = ensure_pipeline_role(warehouse_url)
    with psycopg.connect(warehouse_url, autocommit=True) as admin:
        admin.execute("create schema sim_truth")
        admin.execute("create table sim_truth.deal_daily as select 1 as id")
        admin.execute("create table crm.opportunity as select 1 as id")
    with psycopg.connect(pipeline, autocommit=True) as conn:
        for schema in ("raw_crm", "staging", "intermediate", "ml", "marts"):
            conn.execute(f"create table {schema}.probe as select 1 as id")

    # WHEN the reader role is made (twice: idempotent), and dbt then builds a reporting model as the pipeline
    ensure_reader_role(warehouse_url)
    reader = ensure_reader_role(warehouse_url)
    with psycopg.connect(pipeline, autocommit=True) as conn:
        conn.execute("create table dashboards.built_later as select 2 as id")

    with psycopg.connect(reader, autocommit=True) as conn:
        # THEN it is who it says, no superuser, and reads the marts and what dbt built after the grant
        assert conn.execute(
            "select current_user, rolsuper from pg_roles where rolname = current_user"
        ).fetchone() == (READER_ROLE, False)
        assert conn.execute("select id from marts.probe").fetchone() == (1,)
        assert conn.execute("select id from dashboards.built_later").fetchone() == (2,)
        # ...but nothing upstream of the marts, the CRM or the truth
        for table in ("raw_crm.probe", "staging.probe", "intermediate.probe", "ml.probe", "crm.opportunity",
                      "sim_truth.deal_daily"):  # fmt: skip
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(f"select * from {table}")
        # ...and it writes nothing, not even where it reads
        for statement in (
            "insert into marts.probe values (2)",
            "update dashboards.built_later set id = 3",
            "create table marts.planted (id int)",
            "create table public.planted (id int)",
            "create schema planted",
        ):
            with pytest.raises((psycopg.errors.InsufficientPrivilege, psycopg.errors.ReadOnlySqlTransaction)):
                conn.execute(statement)


def test_an_external_servers_password_is_generated_once_and_kept_owner_only(tmp_path):
    first = reader_password(tmp_path, None)
    assert reader_password(tmp_path, None) == first and len(first) >= 24
    mode = stat.S_IMODE((tmp_path / "secrets" / "dashboard_db_password").stat().st_mode)
    assert mode == 0o600
    assert reader_password(tmp_path, "from-the-environment") == "from-the-environment"
