"""The pipeline's database role works on the pipeline schemas and is refused on sim_truth by a grant."""

from __future__ import annotations

import datetime as dt

import psycopg
import pytest

from crm.demo.grants import grant_demo_crm
from simulator.build import build_demo_crm
from warehouse.roles import PIPELINE_ROLE, adopt_pipeline_objects, ensure_pipeline_role
from warehouse.schemas import ensure_schema


def test_pipeline_role_is_refused_on_sim_truth_but_reads_and_writes_the_pipeline_schemas(warehouse_url):
    # GIVEN a demo CRM and the pipeline role (made twice: it must be idempotent)
    build_demo_crm(warehouse_url, "tiny", seed=3, today=dt.date(2026, 11, 23))
    ensure_pipeline_role(warehouse_url, crm_grants=grant_demo_crm)
    pipeline = ensure_pipeline_role(warehouse_url, crm_grants=grant_demo_crm)

    with psycopg.connect(pipeline, autocommit=True) as conn:
        # THEN it is who it says, and no superuser (a superuser ignores every grant)
        assert conn.execute(
            "select current_user, rolsuper from pg_roles where rolname = current_user"
        ).fetchone() == (
            PIPELINE_ROLE,
            False,
        )
        # ...it reads the CRM and writes Momentum's fields, and creates tables in the pipeline schemas
        assert conn.execute("select count(*) from crm.opportunity").fetchone()[0] > 0
        conn.execute("update crm.opportunity set ai_model_version = 'test' where opportunity_id in "
                     "(select opportunity_id from crm.opportunity limit 1)")  # fmt: skip
        conn.execute("create table raw_crm.probe (id int)")
        conn.execute("insert into raw_crm.probe values (1)")
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


def _refused(conn: psycopg.Connection, statement: str) -> None:
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute(statement)


@pytest.fixture
def pipeline_on_demo_crm(warehouse_url):
    """A tiny demo CRM and the pipeline role with the demo CRM's grants: (admin URL, pipeline URL)."""
    build_demo_crm(warehouse_url, "tiny", seed=3, today=dt.date(2026, 11, 23))
    return warehouse_url, ensure_pipeline_role(warehouse_url, crm_grants=grant_demo_crm)


def test_the_pipeline_role_creates_no_schema_but_its_code_still_finds_the_schemas_the_admin_made(
    pipeline_on_demo_crm,
):
    _, pipeline = pipeline_on_demo_crm
    with psycopg.connect(pipeline, autocommit=True) as conn:
        # THEN no schema of its own, not even through `if not exists` on one that exists (PostgreSQL checks
        # the database privilege first)...
        _refused(conn, "create schema pipeline_scratch")
        _refused(conn, "create schema if not exists raw_crm")
        # ...while the helper every DDL site uses passes over an existing schema, and tables still go in it
        ensure_schema(conn, "raw_crm")
        conn.execute("create table raw_crm.probe (id int)")


def test_an_external_warehouse_user_gets_its_missing_schemas_created(warehouse_url):
    # GIVEN a user who may create schemas (an external MOMENTUM_WAREHOUSE_URL: whoever the operator chose)
    with psycopg.connect(warehouse_url, autocommit=True) as conn:
        ensure_schema(conn, "raw_crm")
        assert conn.execute("select to_regnamespace('raw_crm') is not null").fetchone()[0]


def test_the_pipeline_role_writes_only_the_allow_listed_crm_fields(pipeline_on_demo_crm):
    _, pipeline = pipeline_on_demo_crm
    with psycopg.connect(pipeline, autocommit=True) as conn:
        deal = conn.execute("select opportunity_id from crm.opportunity limit 1").fetchone()[0]
        # THEN Momentum's own fields and the CRM's stamp are writable...
        conn.execute(
            "update crm.opportunity set ai_win_probability = 0.5, system_modstamp = now() where opportunity_id = %s",
            (deal,),
        )
        conn.execute(
            "insert into crm.task (task_id, ai_external_id, what_id, subject, type, status, activity_date,"
            " created_date, system_modstamp) values ('00TPROBE', 'probe', %s, 'probe', 'Call', 'Open',"
            " current_date, now(), now())",
            (deal,),
        )
        conn.execute("update crm.task set status = 'Expired' where task_id = '00TPROBE'")
        conn.execute(
            "insert into crm.momentum_forecast (momentum_forecast_id, ai_external_id, owner_id, ai_forecast,"
            " created_date, system_modstamp) values ('a0MPROBE', 'probe', 'u1', 1, now(), now())"
        )
        # ...and a rep's fields, deletes, truncation and new deals are refused by the database itself
        for statement in (
            f"update crm.opportunity set amount = 1 where opportunity_id = '{deal}'",
            f"update crm.opportunity set stage_name = 'Closed Won' where opportunity_id = '{deal}'",
            "update crm.task set completed_at = now() where task_id = '00TPROBE'",
            "delete from crm.task where task_id = '00TPROBE'",
            "truncate crm.task",
            "delete from crm.momentum_forecast",
            "delete from crm.opportunity",
            "insert into crm.opportunity (opportunity_id) values ('006PROBE')",
            "update crm.account set name = 'x'",
            "create table crm.planted (id int)",
        ):
            _refused(conn, statement)


def test_privileges_an_earlier_version_granted_are_revoked(pipeline_on_demo_crm):
    # GIVEN the grants an earlier version gave the role (CREATE on the database, ALL on the CRM's tables)
    admin, _ = pipeline_on_demo_crm
    with psycopg.connect(admin, autocommit=True) as conn:
        database = conn.execute("select current_database()").fetchone()[0]
        conn.execute(f'grant create on database "{database}" to {PIPELINE_ROLE}')
        conn.execute(f"grant all on all tables in schema crm to {PIPELINE_ROLE}")
        conn.execute(f"grant create on schema crm to {PIPELINE_ROLE}")
        conn.execute(f"grant update (amount) on crm.opportunity to {PIPELINE_ROLE}")

    # WHEN the role is ensured again
    pipeline = ensure_pipeline_role(admin, crm_grants=grant_demo_crm)

    # THEN they are gone
    with psycopg.connect(pipeline, autocommit=True) as conn:
        _refused(conn, "create schema pipeline_scratch")
        _refused(conn, "update crm.opportunity set amount = 1")
        _refused(conn, "truncate crm.task")
        _refused(conn, "create table crm.planted (id int)")
