"""fct_deal_snapshots built incrementally ends with the same table as a full refresh.

The fixture CRM (tests/dbt/crm_fixture.py, today Wednesday 2026-03-18) is built once, then
advanced a week: o1 is won, a new deal o5 appears and o1 gets more activity. The incremental
run on the new date must equal a full refresh on it, row for row, labels of old rows included.
"""

from __future__ import annotations

from datetime import date

import psycopg
import pytest

from tests.dbt import crm_fixture
from tests.dbt.crm_fixture import at
from tests.dbt.dbt_helpers import (
    append_crm_to_raw_crm,
    copy_crm_into_raw_crm,
    create_crm_schema,
    create_output_tables,
    run_dbt,
)

INCREMENTAL_MODELS = (
    "staging.stg_crm__tasks",
    "intermediate.int_activities_unioned",
    "intermediate.int_opportunities_spined_weekly",
    "intermediate.int_snapshot_activities_aggregated",
    "intermediate.int_snapshot_contact_roles_aggregated",
    "intermediate.int_rep_win_rates_trailing",
    "marts.fct_deal_snapshots",
    "marts.fct_pipeline_changes",
)
NOT_KEYED_BY_DEAL_AND_DATE = (
    "staging.stg_crm__tasks",
    "intermediate.int_activities_unioned",
    "intermediate.int_rep_win_rates_trailing",
)
FIRST_DAY = crm_fixture.AS_OF_DATE
NEXT_DAY = date(2026, 3, 25)  # the Wednesday after: Monday 2026-03-23 joins the spine
OLD_ROW = ("o2", date(2025, 12, 15))  # far outside the 7-day lookback, labels already final
MODEL = "fct_deal_snapshots"


def advance_crm_a_week(conn: psycopg.Connection) -> None:
    """o1 won on 2026-03-23 (after a call on 03-20); o5 created 2026-03-19; the call t5, logged late on
    03-17, is set back to Open (no longer an activity: the incremental run must drop it)."""
    stamp = at("2026-03-24", 23)
    conn.execute(
        "update crm.task set status = 'Open', completed_at = null, system_modstamp = %s where task_id = 't5'",
        (stamp,),
    )
    conn.execute(
        "update crm.opportunity set stage_name = 'Closed Won', is_closed = true, is_won = true, closed_date = '2026-03-23',"
        " system_modstamp = %s where opportunity_id = 'o1'",
        (stamp,),
    )
    rows = {
        "opportunity": (
            "opportunity_id, account_id, owner_id, name, stage_name, amount, close_date, is_closed, is_won,"
            " created_date, system_modstamp",
            [("o5", "a2", "u_ae2", "Globex upsell", "Discovery", 9000, "2026-06-30", False, False,
              at("2026-03-19"), stamp)],
        ),
        "opportunity_history": (
            "history_id, opportunity_id, created_date, stage_name, amount, close_date, system_modstamp",
            [
                ("h10", "o1", at("2026-03-23", 9), "Closed Won", 10000, "2026-04-30", stamp),
                ("h11", "o5", at("2026-03-19"), "Discovery", 9000, "2026-06-30", stamp),
            ],
        ),
        "task": (
            "task_id, what_id, who_id, subject, type, status, completed_at, call_disposition, created_date,"
            " system_modstamp",
            [("t6", "o1", "c1", "Close call", "Call", "Completed", at("2026-03-20", 15), "Connected",
              at("2026-03-20", 15), stamp)],
        ),
    }  # fmt: skip
    for table, (columns, values) in rows.items():
        with conn.cursor() as cursor, cursor.copy(f"copy crm.{table} ({columns}) from stdin") as copy:
            for row in values:
                copy.write_row(row)


def snapshot_rows(url: str, relation: str = f"marts.{MODEL}") -> set[tuple]:
    with psycopg.connect(url) as conn:
        return set(conn.execute(f"select * from {relation}").fetchall())


def model_rows(url: str) -> dict[str, set[tuple]]:
    return {relation: snapshot_rows(url, relation) for relation in INCREMENTAL_MODELS}


def row_versions(url: str) -> dict[str, str]:
    # xmin changes whenever Postgres rewrites a row: an untouched row keeps it.
    with psycopg.connect(url) as conn:
        return {
            relation: conn.execute(
                f"select xmin::text from {relation} where opportunity_id = %s and as_of_date = %s", OLD_ROW
            ).fetchone()[0]
            for relation in INCREMENTAL_MODELS
            if relation not in NOT_KEYED_BY_DEAL_AND_DATE
        }


@pytest.fixture(scope="module")
def runs(module_database: str, tmp_path_factory) -> dict:
    url = module_database
    work = tmp_path_factory.mktemp("dbt")
    with psycopg.connect(url) as conn:
        create_crm_schema(conn)
        crm_fixture.load_fixture_crm(conn)
        copy_crm_into_raw_crm(conn)
        create_output_tables(conn)

    def run(as_of: date, *extra: str) -> None:
        result = run_dbt(
            url, "run", as_of.isoformat(), work, "--select", f"+{MODEL}", "+fct_pipeline_changes", *extra
        )
        assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]

    run(FIRST_DAY)
    first = snapshot_rows(url)
    versions_before = row_versions(url)
    with psycopg.connect(url) as conn:
        advance_crm_a_week(conn)
        append_crm_to_raw_crm(conn)
    run(NEXT_DAY)
    incremental = model_rows(url)
    versions_after = row_versions(url)
    run(NEXT_DAY, "--full-refresh")
    return {
        "first": first,
        "incremental": incremental[f"marts.{MODEL}"],
        "full": snapshot_rows(url),
        "incremental_models": incremental,
        "full_models": model_rows(url),
        "versions": (versions_before, versions_after),
    }


def test_incremental_run_gives_the_same_table_as_a_full_refresh(runs):
    assert runs["incremental"] - runs["full"] == set()
    assert runs["full"] - runs["incremental"] == set()
    assert len(runs["full"]) > 20


@pytest.mark.parametrize("relation", INCREMENTAL_MODELS)
def test_every_incremental_model_ends_as_its_full_refresh(runs, relation):
    incremental, full = runs["incremental_models"][relation], runs["full_models"][relation]
    assert incremental - full == set()
    assert full - incremental == set()
    assert len(full) >= 5


def test_a_task_that_no_longer_counts_leaves_the_activities(runs):
    ids = {row[1] for row in runs["incremental_models"]["intermediate.int_activities_unioned"]}
    assert "t5" not in ids and {"t1", "t3", "t6"} <= ids


def test_incremental_run_leaves_rows_outside_the_lookback_untouched(runs):
    # Proves the runs were really incremental: a full rebuild rewrites every row.
    before, after = runs["versions"]
    assert before == after


def test_old_snapshots_of_a_deal_won_later_get_their_labels(runs):
    # GIVEN o1 open (unlabelled) in the first build, won on 2026-03-23
    def o1_labels(rows: set[tuple]) -> set[tuple]:
        return {(row[2], row[-2], row[-1]) for row in rows if row[1] == "o1"}

    assert {(won, slipped) for _, won, slipped in o1_labels(runs["first"])} == {(None, None)}
    # THEN every o1 row is labelled won; rows whose close date sat in Q1 (ending 03-31) did not slip
    labelled = o1_labels(runs["incremental"])
    assert (date(2026, 2, 9), 1, 0) in labelled
    assert {won for _, won, _ in labelled} == {1}


def test_the_previous_non_monday_today_row_is_gone_and_the_new_monday_is_built(runs):
    dates = {row[2] for row in runs["incremental"]}
    assert FIRST_DAY in {row[2] for row in runs["first"]}
    assert FIRST_DAY not in dates
    assert {date(2026, 3, 23), NEXT_DAY} <= dates
    assert ("o5", NEXT_DAY) in {(row[1], row[2]) for row in runs["incremental"]}
