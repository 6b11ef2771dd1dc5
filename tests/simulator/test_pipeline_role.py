"""The pipeline's database role works on the pipeline schemas and is refused on sim_truth by a grant."""

from __future__ import annotations

import datetime as dt

import psycopg
import pytest

from simulator.build import build_demo_crm
from warehouse.roles import PIPELINE_ROLE, adopt_pipeline_objects, ensure_pipeline_role


def test_pipeline_role_is_refused_on_sim_truth_but_reads_and_writes_the_pipeline_schemas(warehouse_url):
    # GIVEN a demo CRM and the pipeline role (made twice: it must be idempotent)
    build_demo_crm(warehouse_url, "tiny", seed=3, today=dt.date(2026, 11, 23))
    ensure_pipeline_role(warehouse_url)
    pipeline = ensure_pipeline_role(warehouse_url)

    with psycopg.connect(pipeline, autocommit=True) as conn:
        # THEN it is who it says, and no superuser (a superuser ignores every grant)
        assert conn.execute(
            "select current_user, rolsuper from pg_roles where rolname = current_user"
        ).fetchone() == (
            PIPELINE_ROLE,
            False,
        )
        # ...it reads and writes the CRM, and creates tables in the pipeline schemas and new schemas
        assert conn.execute("select count(*) from crm.opportunity").fetchone()[0] > 0
        conn.execute("update crm.opportunity set ai_model_version = 'test' where opportunity_id in "
                     "(select opportunity_id from crm.opportunity limit 1)")  # fmt: skip
        conn.execute("create table raw_crm.probe (id int)")
        conn.execute("insert into raw_crm.probe values (1)")
        conn.execute("create schema pipeline_scratch")
        # ...and every way into sim_truth is refused
        for statement in (
            "select count(*) from sim_truth.deal_daily",
            "select * from sim_truth.clock",
            "select * from sim_truth.deal_state",
            "create table sim_truth.leak (id int)",
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(statement)


def test_tables_an_earlier_admin_run_made_are_handed_to_the_pipeline_role(warehouse_url):
    # GIVEN a mart table made by the admin (a warehouse from before the pipeline had its own role)
    ensure_pipeline_role(warehouse_url)
    with psycopg.connect(warehouse_url, autocommit=True) as conn:
        conn.execute("create table marts.legacy_mart as select 1 as id")
        conn.execute("create table crm.crm_owned as select 1 as id")

    # WHEN the pipeline's objects are adopted
    adopted = adopt_pipeline_objects(warehouse_url)

    # THEN the role owns the mart (dbt can replace it) but never the CRM's own tables
    with psycopg.connect(warehouse_url) as conn:
        owners = dict(
            conn.execute(
                "select relname, pg_get_userbyid(relowner) from pg_class where relname in ('legacy_mart', 'crm_owned')"
            ).fetchall()
        )
    assert adopted >= 1
    assert owners["legacy_mart"] == PIPELINE_ROLE
    assert owners["crm_owned"] != PIPELINE_ROLE
    assert adopt_pipeline_objects(warehouse_url) == 0


def test_the_crm_clock_runs_no_function_the_pipeline_role_planted(warehouse_url):
    # GIVEN a demo CRM, and the pipeline role planting a `now()` in a schema it may create in, ahead of
    # pg_catalog on its search path (the escalation: crm.system_now() runs with its owner's rights, and falls
    # back to now() while the clock holds no date)
    build_demo_crm(warehouse_url, "tiny", seed=3, today=dt.date(2026, 11, 23))
    pipeline = ensure_pipeline_role(warehouse_url)
    with psycopg.connect(warehouse_url, autocommit=True) as admin:
        admin.execute("delete from sim_truth.clock")
    with psycopg.connect(pipeline, autocommit=True) as conn:
        conn.execute(
            "create function staging.now() returns timestamptz language plpgsql as "
            "$$ begin raise exception 'planted now() ran as %', current_user; end $$"
        )
        conn.execute("set search_path = staging, pg_catalog")

        # WHEN it asks the CRM's clock THEN the clock answers, and the planted function never runs
        assert conn.execute("select crm.system_now()").fetchone()[0] is not None
        # ...and the clock's owner is no superuser, so the function could not read more than the clock
        owner_is_superuser = conn.execute(
            "select r.rolsuper from pg_proc p join pg_roles r on r.oid = p.proowner "
            "where p.oid = 'crm.system_now()'::regprocedure"
        ).fetchone()[0]
        assert owner_is_superuser is False
