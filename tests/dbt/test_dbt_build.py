"""The dbt project, built for real on a small hand-made CRM (tests/dbt/crm_fixture.py).

One `dbt build` per module (models, data tests and the YAML unit tests, ~15 s); each test then
reads the tables it built. The point-in-time rules are the ones the win model's honesty depends
on. (The fiscal-quarter arithmetic of label_slipped is pinned by a YAML unit test in
dbt_project/models/marts/_marts__models.yml, which this build runs.)
"""

from __future__ import annotations

from datetime import date, timedelta

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
        crm_fixture.mark_deleted_and_held(conn)
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
    rows = query(
        built,
        "select as_of_date, is_current from intermediate.int_as_of_dates where is_weekly order by as_of_date",
    )

    assert len(rows) == 53
    assert rows[-1] == (crm_fixture.AS_OF_DATE, True)
    assert all(day.weekday() == 0 and not current for day, current in rows[:-1])
    assert rows[0][0] == date(2025, 3, 24)  # the first Monday on or after as-of minus 364 days


def test_training_history_before_the_weekly_year_is_one_monday_in_four_back_three_years(built):
    older = [
        day
        for (day,) in query(
            built,
            "select as_of_date from intermediate.int_as_of_dates where not is_weekly order by as_of_date",
        )
    ]

    assert all(day.weekday() == 0 for day in older)
    assert {later - earlier for earlier, later in zip(older, older[1:], strict=False)} == {timedelta(weeks=4)}
    assert older[-1] < date(2025, 3, 24) and older[0] >= crm_fixture.AS_OF_DATE - timedelta(weeks=156)
    assert len(older) == 26  # the 104 weeks before the weekly year, one Monday in four


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


def test_crm_probability_is_the_field_as_of_the_date_not_the_stage_default(built):
    # GIVEN o1 in Discovery (default 20%) from 2026-02-10, its rep typing 35% on 2026-03-17
    # THEN the Monday before sees the default, today (2026-03-18) the rep's own number, in the same stage
    assert snapshot(built, "o1", "2026-03-16", "crm_probability", "stage_default_probability") == (0.2, 0.2)
    assert snapshot(built, "o1", "2026-03-18", "crm_probability", "stage_default_probability") == (0.35, 0.2)


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

    # THEN Monday 03-16 (the CRM at the start of that day) counts the meeting and the email
    # only: not the call made that day, nor the late log (not known yet)
    assert snapshot(built, "o1", "2026-03-16", *columns) == (1, 2, 0, 1, 1, 0)
    # AND today (03-18) adds both calls (the late one, 03-10: in 30d, not in the 7 days before
    # today) but never the TMVA task
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
        " last_activity_subject from marts.ml_open_deals__features where opportunity_id = 'o1'",
    )
    assert rows == [("c1", "Vera Buyer", "VP", "America/Chicago", "Economic Buyer", "Alex Rep", "Intro call")]
    assert query(built, "select count(*) from marts.ml_open_deals__features") == [(2,)]


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
        " from reverse_etl.sync_crm__opportunity_fields order by 1",
    )
    assert [(o, float(p), v, a) for o, p, v, a in rows] == [
        ("o1", 0.31, "momentum_win v4", "Call Vera"),
        ("o4", 0.5, "stage_probability", "Research Acme"),
    ]


def test_opportunity_insights_are_cut_at_a_sentence_within_255_characters_with_their_factor_key(built):
    ((reasons_for, reasons_against, key, slip, band),) = query(
        built,
        "select ai_top_reasons_for, ai_top_reasons_against, compare_reason_factors, ai_slip_risk,"
        " compare_slip_risk_band from reverse_etl.sync_crm__opportunity_fields where opportunity_id = 'o1'",
    )
    # The four sentences make 309 characters: the first three fit, the fourth is left out whole
    assert len("; ".join(crm_fixture.O1_REASONS_FOR)) > 255 >= len(reasons_for)
    assert reasons_for == "; ".join(crm_fixture.O1_REASONS_FOR[:3])
    assert reasons_against == "no economic buyer engaged"
    assert key == "amount,calls_30d,has_champion,stage_progress | has_economic_buyer"
    assert (slip, band) == (None, None)  # today's score had no slip champion


def test_task_sync_maps_todays_actions_onto_crm_task_fields(built):
    rows = query(
        built,
        "select ai_external_id, type, priority, status, activity_date, description"
        " from reverse_etl.sync_crm__tasks order by 1",
    )
    assert rows == [
        # 03:00 UTC on 03-18 is still 03-17 for a rep in New York
        ("tmva-a", "Call", "High", "Open", date(2026, 3, 17), "Why tmva-a\n\nSay tmva-a"),
        ("tmva-c", "Other", "Normal", "Open", date(2026, 3, 18), "Why tmva-c\n\nSay tmva-c"),
    ]


def forecast(url: str, level: str, group: str, as_of: str, *columns: str) -> tuple:
    rows = query(
        url,
        f"select {', '.join(columns)} from marts.fct_forecast_snapshots"
        " where forecast_level = %s and forecast_group = %s and as_of_date = %s",
        level,
        group,
        date.fromisoformat(as_of),
    )
    assert len(rows) == 1, f"expected one {level} forecast of {group} on {as_of}, got {rows}"
    return tuple(None if value is None else float(value) for value in rows[0])


def forecast_text(url: str, snapshot_id: str, column: str) -> str | None:
    (value,), = query(url, f"select {column} from marts.fct_forecast_snapshots where forecast_snapshot_id = %s",
                      snapshot_id)  # fmt: skip
    return value


def test_forecast_uses_the_reps_latest_call_for_the_quarter_made_before_the_date(built):
    # GIVEN u_ae1's Q1 calls on 03-09 (30k) and 03-16 (25k), a Q2 call and a call after today
    columns = ("commit_amount", "best_case_amount")
    # THEN Monday 03-16 (the CRM at the start of that day) still has the 03-09 call
    assert forecast(built, "rep", "u_ae1", "2026-03-09", *columns) == (None, None)
    assert forecast(built, "rep", "u_ae1", "2026-03-16", *columns) == (30000, 60000)
    assert forecast(built, "rep", "u_ae1", AS_OF, *columns) == (25000, 55000)
    assert forecast(built, "rep", "u_ae2", AS_OF, *columns) == (None, None)


def test_forecast_weights_the_quarters_open_pipeline_by_stage_and_by_that_days_scores(built):
    # GIVEN o1 (10k, Discovery = 0.2) closing 03-31 on Monday 03-16, scored p_win 0.25 and
    # p_close_in_quarter 0.2 that day, and o2 (50k) won 01-20; today o1's close date is 04-30, outside Q1
    columns = (
        "closed_won_amount",
        "open_pipeline_amount",
        "stage_weighted_pipeline_amount",
        "ai_forecast_amount",
        "quarter_closed_won_amount",
    )
    assert forecast(built, "rep", "u_ae1", "2026-03-16", *columns) == (50000, 10000, 2000, 52000, 50000)
    assert forecast(built, "company", "company", AS_OF, *columns) == (50000, 0, 0, 50000, 50000)
    # AND a date nobody scored has no AI forecast
    assert forecast(built, "rep", "u_ae1", "2026-03-09", "ai_forecast_amount") == (None,)


def test_ai_forecast_range_on_the_monday_is_the_pipelines_p10_to_p90(built):
    # GIVEN the Monday's one open deal of Q1: 10k won in the quarter with p = 0.2 (sd 4k)
    columns = ("ai_forecast_p10_amount", "ai_forecast_p90_amount", "ai_pipeline_stddev_amount")
    # THEN the deal-level range: P10 cannot go below the 50k already won, P90 = 50k + 2k + 1.2816 x 4k
    (p10, p90, stddev), = query(
        built,
        f"select {', '.join(columns)} from intermediate.int_forecast_levels_rolled_up"
        " where forecast_snapshot_id = 'rep:u_ae1@2026-03-16'",
    )  # fmt: skip
    assert (float(p10), float(p90), float(stddev)) == (50000, 57126.4, 4000)
    # AND with no past quarter's error to calibrate on, the published range adds a shared shock of 8% of
    # the 2k still expected: P90 = 52k + 1.2816 x sqrt(4k^2 + 160^2)
    assert forecast(built, "rep", "u_ae1", "2026-03-16", *columns) == (50000, 57130.5, 4000)
    method = forecast_text(built, "rep:u_ae1@2026-03-16", "ai_range_method")
    assert method == "independent_deals_with_shock"
    basis = query(
        built,
        "select ai_forecast_basis from marts.fct_forecast_snapshots where forecast_level = 'rep'"
        " and forecast_group = 'u_ae1' and as_of_date = %s",
        date(2026, 3, 16),
    )
    assert basis == [("p_close_in_quarter",)]


def test_forecast_accuracy_has_no_row_before_a_quarter_is_over(built):
    # GIVEN today 2026-03-18 in Q1, and Mondays back to 2025-03: 2025-Q2..Q4 are complete
    quarters = query(built, "select distinct fiscal_quarter from marts.fct_forecast_accuracy order by 1")
    assert quarters == [("2025-Q1",), ("2025-Q2",), ("2025-Q3",), ("2025-Q4",)]
    # AND o2's 50k won 2026-01-20 is Q1's, so Q4's actual for u_ae1 is the old deals' 4 x 1k, while
    # on 12-08 Q4's stage-weighted pipeline held o2 (Proposal 0.5, closing 12-15) and the 5 old deals at 0.2
    (actual, stage_error), = query(
        built,
        "select actual_closed_won_amount, stage_weighted_error_amount from marts.fct_forecast_accuracy"
        " where forecast_group = 'u_ae1' and as_of_date = '2025-12-08'",
    )  # fmt: skip
    assert (float(actual), float(stage_error)) == (4000, 0.5 * 50000 + 0.2 * 1000 * 5 - 4000)


def test_forecast_rolls_reps_up_to_team_and_company_by_quarter_week(built):
    rep_rows = query(
        built,
        "select fiscal_quarter, week_of_quarter, sum(commit_amount) from marts.fct_forecast_snapshots"
        " where forecast_level = 'rep' and as_of_date = %s group by 1, 2",
        crm_fixture.AS_OF_DATE,
    )
    assert rep_rows == [("2026-Q1", 11, 25000)]  # 03-18 is day 77 of Q1: week 11
    assert forecast(built, "team", "East", AS_OF, "commit_amount") == (25000,)
    assert forecast(built, "company", "company", AS_OF, "commit_amount") == (25000,)


def test_pipeline_changes_classify_each_deals_week(built):
    rows = query(
        built,
        "select opportunity_id, as_of_date, change_type, amount_change from marts.fct_pipeline_changes"
        " where (opportunity_id, as_of_date) in (('o1', '2026-01-12'), ('o1', '2026-02-16'),"
        " ('o1', %s), ('o2', '2026-01-26'), ('o3', '2026-02-02'), ('o4', %s)) order by 1, 2",
        crm_fixture.AS_OF_DATE,
        crm_fixture.AS_OF_DATE,
    )
    assert [(o, d.isoformat(), kind, float(change)) for o, d, kind, change in rows] == [
        ("o1", "2026-01-12", "new", 10000),  # created Monday 01-05 during the day
        ("o1", "2026-02-16", "stage_forward", 0),  # Prospecting -> Discovery on 02-10
        ("o1", AS_OF, "pushed", 0),  # 03-31 -> 04-30 on 03-17
        ("o2", "2026-01-26", "closed_won", -50000),  # won 01-20
        ("o3", "2026-02-02", "closed_lost", -20000),  # lost 02-01
        ("o4", AS_OF, "entered", 7000),  # no history: first seen today, created long ago
    ]


def test_win_loss_has_each_closed_deal_with_its_furthest_stage_and_cycle(built):
    rows = query(
        built,
        "select opportunity_id, outcome, furthest_stage_name, cycle_length_days, close_date_push_count,"
        " closed_fiscal_quarter from marts.fct_win_loss where opportunity_id in ('o2', 'o3') order by 1",
    )
    assert rows == [
        ("o2", "won", "Proposal", 111, 1, "2026-Q1"),
        ("o3", "lost", "Discovery", 92, 0, "2026-Q1"),
    ]
    assert query(built, "select count(*) from marts.fct_win_loss") == [(7,)]  # o2, o3 and 5 old deals


def test_account_and_contact_dimensions_roll_up_deals_and_engagement(built):
    accounts = query(
        built,
        "select account_id, open_deal_count, won_deal_count, is_customer from marts.dim_accounts order by 1",
    )
    # a1: o1 and o4 (o_deleted was deleted in the CRM); a2: o_held, held by a quarantined update but still open
    assert accounts == [("a1", 2, 0, False), ("a2", 1, 5, True)]
    contacts = query(
        built, "select contact_id, deal_role_count, activity_count from marts.dim_contacts order by 1"
    )
    # c1: the 03-16 call only (the TMVA call is Momentum's own; the 03-25 meeting is in the future)
    assert contacts == [("c1", 1, 1), ("c2", 1, 3), ("c3", 0, 0)]


def test_a_deal_deleted_in_the_crm_gets_no_score_row_tmva_task_or_forecast_amount(built):
    # GIVEN o_deleted, deleted in the CRM (raw _deleted_at), scored and given a TMVA before the deletion was seen
    deleted = crm_fixture.DELETED_DEAL

    # THEN it is in no table built on today's CRM, no payload and no forecast
    for relation in (
        "staging.stg_crm__opportunities",
        "marts.fct_deal_snapshots",
        "marts.ml_open_deals__features",
        "intermediate.int_forecast_deals_weighted",
        "reverse_etl.sync_crm__opportunity_fields",
    ):
        assert query(built, f"select count(*) from {relation} where opportunity_id = %s", deleted) == [
            (0,)
        ], relation
    assert query(built, "select count(*) from reverse_etl.sync_crm__tasks where what_id = %s", deleted) == [
        (0,)
    ]


def test_a_deal_held_by_a_quarantined_update_is_not_scored_or_advised_but_stays_in_the_snapshots(built):
    held = crm_fixture.HELD_DEAL

    assert query(
        built,
        "select newer_version_rejected_reason from staging.stg_crm__opportunities where opportunity_id = %s",
        held,
    ) == [("not_finite:amount",)]
    assert snapshot(built, held, AS_OF, "amount") == (8000,)
    assert query(
        built, "select count(*) from marts.ml_open_deals__features where opportunity_id = %s", held
    ) == [(0,)]


def test_no_task_is_written_for_an_owner_who_is_not_an_active_crm_user(built):
    owners = query(built, "select distinct owner_id from reverse_etl.sync_crm__tasks")

    assert owners and ("u_missing",) not in owners


def test_a_nan_in_the_forecast_fails_the_finite_data_test(built, tmp_path):
    # NaN >= 0 is true in PostgreSQL, so only an explicit test sees one (dbt_project/tests/generic/finite.sql)
    with psycopg.connect(built, autocommit=True) as conn:
        conn.execute("create table forecast_backup as select * from marts.fct_forecast_snapshots")
        conn.execute("update marts.fct_forecast_snapshots set ai_forecast_amount = 'NaN' where is_current")
    try:
        result = run_dbt(
            built, "test", AS_OF, tmp_path, "--select", "fct_forecast_snapshots,test_name:finite"
        )
    finally:
        with psycopg.connect(built, autocommit=True) as conn:
            conn.execute("truncate marts.fct_forecast_snapshots")
            conn.execute("insert into marts.fct_forecast_snapshots select * from forecast_backup")
            conn.execute("drop table forecast_backup")

    assert result.returncode != 0
    assert "finite_fct_forecast_snapshots_ai_forecast_amount" in result.stdout
    assert "Failure" in result.stdout or "FAIL" in result.stdout
