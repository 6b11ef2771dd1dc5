"""The dbt project, built for real on a small hand-made CRM (tests/dbt/crm_fixture.py).

One `dbt build` per module (models, data tests and the YAML unit tests, ~15 s); each test then
reads the tables it built. The point-in-time rules are the ones the win model's honesty depends
on. (The fiscal-quarter arithmetic of label_slipped is pinned by a YAML unit test in
dbt_project/models/marts/_marts__models.yml, which this build runs.)
"""

from __future__ import annotations

from datetime import date

import psycopg
import pytest

from tests.dbt import crm_fixture
from tests.dbt.dbt_helpers import (
    copy_crm_into_raw_crm,
    create_crm_schema,
    create_output_tables,
    run_dbt,
)

AS_OF = crm_fixture.AS_OF_DATE.isoformat()


@pytest.fixture(scope="module")
def built(module_database: str, tmp_path_factory) -> str:
    with psycopg.connect(module_database) as conn:
        create_crm_schema(conn)
        crm_fixture.load_fixture_crm(conn)
        copy_crm_into_raw_crm(conn)
        create_output_tables(conn)
        crm_fixture.load_fixture_outputs(conn)
    result = run_dbt(module_database, "build", AS_OF, tmp_path_factory.mktemp("dbt"))
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    return module_database


def query(url: str, sql: str, *params) -> list[tuple]:
    with psycopg.connect(url) as conn:
        return conn.execute(sql, params).fetchall()


def snapshot(url: str, opportunity_id: str, as_of: str, *columns: str) -> tuple:
    rows = query(
        url,
        f"select {', '.join(columns)} from marts.fct_deal_snapshots where opportunity_id = %s and as_of_date = %s",
        opportunity_id,
        date.fromisoformat(as_of),
    )
    assert len(rows) == 1, f"expected one snapshot of {opportunity_id} on {as_of}, got {rows}"
    return rows[0]


def test_spine_is_the_mondays_of_the_last_52_weeks_plus_the_as_of_date(built):
    rows = query(built, "select as_of_date, is_current from intermediate.int_as_of_dates order by as_of_date")

    assert len(rows) == 53
    assert rows[-1] == (crm_fixture.AS_OF_DATE, True)
    assert all(day.weekday() == 0 and not current for day, current in rows[:-1])
    assert rows[0][0] == date(2025, 3, 24)  # the first Monday on or after as-of minus 364 days


def test_snapshot_between_two_stage_changes_shows_the_earlier_stage(built):
    # GIVEN o1 in Prospecting from 2026-01-05 and in Discovery from 2026-02-10
    # THEN the Monday in between sees Prospecting, its semantics from the stage table
    assert snapshot(
        built, "o1", "2026-02-09", "stage_name", "stage_sort_order", "stage_default_probability"
    ) == (
        "Prospecting",
        1,
        0.1,
    )
    assert snapshot(built, "o1", "2026-02-16", "stage_name", "days_in_stage") == ("Discovery", 6)


def test_close_date_push_after_the_as_of_date_is_not_counted(built):
    # GIVEN the close date pushed 2026-03-31 -> 2026-04-30 on 2026-03-17
    assert snapshot(built, "o1", "2026-03-16", "close_date", "close_date_push_count", "days_to_close") == (
        date(2026, 3, 31),
        0,
        15,
    )
    assert snapshot(built, "o1", AS_OF, "close_date", "close_date_push_count") == (date(2026, 4, 30), 1)


def test_momentum_tasks_late_logs_open_tasks_and_future_meetings_are_not_activity(built):
    # GIVEN on o1: a connected call 03-16, a meeting 03-12, an email 02-20 (all real), plus a
    # Momentum TMVA call 03-17, an open call, a meeting on 03-25, and a call made 03-10 but
    # logged 03-17.
    columns = (
        "activities_7d",
        "activities_30d",
        "calls_30d",
        "emails_30d",
        "meetings_30d",
        "connected_calls_30d",
    )

    # THEN Monday 03-16 counts the three real ones only (the late log was not known yet)
    assert snapshot(built, "o1", "2026-03-16", *columns) == (2, 3, 1, 1, 1, 1)
    # AND today adds the late-logged call (03-10: in 30d, not in 7d) but never the TMVA task
    assert snapshot(built, "o1", AS_OF, *columns) == (2, 4, 2, 1, 1, 1)
    assert snapshot(built, "o1", AS_OF, "days_since_last_activity", "contacts_engaged_90d") == (2, 2)


def test_deal_without_activity_counts_days_since_creation(built):
    assert snapshot(built, "o1", "2026-02-09", "days_since_last_activity", "deal_age_days") == (35, 35)


def test_contact_role_added_after_the_as_of_date_is_not_seen(built):
    # GIVEN the Economic Buyer role added on 2026-03-17, the Champion on 2026-02-01
    columns = ("has_economic_buyer", "has_champion", "contact_role_count")
    assert snapshot(built, "o1", "2026-03-16", *columns) == (False, True, 1)
    assert snapshot(built, "o1", AS_OF, *columns) == (True, True, 2)


def test_next_step_is_known_for_todays_snapshot_only(built):
    assert snapshot(built, "o1", AS_OF, "has_next_step") == (True,)
    assert snapshot(built, "o1", "2026-03-16", "has_next_step") == (None,)


def test_closed_deals_leave_the_snapshots_and_history_less_deals_appear_only_today(built):
    o3_dates = query(
        built, "select max(as_of_date) from marts.fct_deal_snapshots where opportunity_id = 'o3'"
    )
    o4_dates = query(built, "select as_of_date from marts.fct_deal_snapshots where opportunity_id = 'o4'")

    assert o3_dates == [(date(2026, 1, 26),)]  # lost on 2026-02-01
    assert o4_dates == [(crm_fixture.AS_OF_DATE,)]


def test_labels_come_from_the_final_state_and_the_quarter_of_the_snapshot_close_date(built):
    # GIVEN o2 won on 2026-01-20; its close date was 2025-12-15 until a push to 2026-01-31 on 2025-12-20
    assert snapshot(built, "o2", "2025-12-15", "label_won", "label_slipped") == (1, 1)  # Q4 ends 12-31
    assert snapshot(built, "o2", "2025-12-22", "label_won", "label_slipped") == (1, 0)  # Q1 ends 03-31
    assert snapshot(built, "o3", "2026-01-26", "label_won", "label_slipped") == (0, None)
    assert snapshot(built, "o1", AS_OF, "label_won", "label_slipped") == (None, None)


def test_rep_win_rate_counts_deals_closed_before_the_date_and_needs_five(built):
    # GIVEN u_ae1 closed 4 won + 1 lost on 2025-12-10..14 and o2 (won) on 2026-01-20
    assert snapshot(built, "o2", "2025-12-08", "rep_trailing_win_rate") == (None,)
    assert snapshot(built, "o2", "2025-12-15", "rep_trailing_win_rate", "rep_trailing_closed_deal_count") == (
        0.8,
        5,
    )
    assert snapshot(built, "o1", "2026-01-26", "rep_trailing_closed_deal_count") == (6,)


def test_features_pick_the_economic_buyer_and_the_last_activity(built):
    rows = query(
        built,
        "select contact_id, contact_name, contact_seniority, contact_timezone, contact_role, owner_name,"
        " last_activity_subject from marts.ml_win__features where opportunity_id = 'o1'",
    )
    assert rows == [("c1", "Vera Buyer", "VP", "America/Chicago", "Economic Buyer", "Alex Rep", "Intro call")]
    assert query(built, "select count(*) from marts.ml_win__features") == [(2,)]


def test_staging_normalises_picklists_and_drops_unknown_time_zones(built):
    users = query(built, "select user_id, role, segment, timezone from staging.stg_crm__users order by 1")
    assert users[:2] == [
        ("u_ae1", "Account Executive", "SMB", "America/New_York"),
        ("u_ae2", "Account Executive", "ENT", None),
    ]
    assert query(built, "select segment from staging.stg_crm__accounts where account_id = 'a1'") == [("SMB",)]


def test_connect_rate_is_by_the_contacts_local_hour(built):
    rows = query(
        built,
        "select seniority, contact_local_hour, call_count, connected_call_count, connect_rate"
        " from intermediate.int_calls__connect_rate_by_hour order by 1",
    )
    # 15:00 UTC is 10:00 in Chicago (CDT) and 14:00 UTC is 10:00 in New York (EDT) in March 2026.
    assert rows == [("Manager", 10, 1, 0, 0.0), ("VP", 10, 2, 2, 1.0)]


def test_opportunity_sync_uses_the_latest_score_and_todays_action_only(built):
    rows = query(
        built,
        "select opportunity_id, ai_win_probability, ai_model_version, ai_next_best_action"
        " from sync.sync_crm__opportunity_fields order by 1",
    )
    assert [(o, float(p), v, a) for o, p, v, a in rows] == [
        ("o1", 0.31, "momentum_win v4", "Call Vera"),
        ("o4", 0.5, "stage_probability", "Research Acme"),
    ]


def test_task_sync_maps_todays_actions_onto_crm_task_fields(built):
    rows = query(
        built,
        "select ai_external_id, type, priority, status, activity_date, description"
        " from sync.sync_crm__tasks order by 1",
    )
    assert rows == [
        # 03:00 UTC on 03-18 is still 03-17 for a rep in New York
        ("tmva-a", "Call", "High", "Open", date(2026, 3, 17), "Why tmva-a\n\nSay tmva-a"),
        ("tmva-c", "Other", "Normal", "Open", date(2026, 3, 18), "Why tmva-c\n\nSay tmva-c"),
    ]
