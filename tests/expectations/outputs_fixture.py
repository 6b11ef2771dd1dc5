"""Small, clean marts, scores and CRM payloads on which every feature, score and payload suite passes.

In the product dbt and the scorer build these tables; here SQL builds them directly, so a test
states exactly which defect it adds. The payloads are first synced into a demo CRM by the real
reverse ETL and the CRM extracted by the real extract, so the CRM's values and the sync state are
what a morning run leaves behind.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import psycopg

from crm.demo.source import DemoCrmSource
from expectations.runner import ValidationOutcome, run_validation
from expectations.suites import load_registry
from extract.load import extract_crm
from extract.objects import OBJECTS_BY_NAME
from ml.scoring.score import DEAL_SCORES_DDL
from reverse_etl.mapping import load_mappings
from reverse_etl.sync import run_sync
from tests.reverse_etl.helpers import CRM_SCHEMA, DEMO_DESTINATION, PAYLOAD_DDL

REGISTRY = {v.name: v for v in load_registry()}
TODAY = date(2026, 12, 1)
DEALS = 40  # so one defective record is 2.5%: under the 5% a blocking payload suite tolerates

# 40 open deals on 8 Mondays and today; a third later won, a third lost (labels on past rows only).
SNAPSHOTS_SQL = """
create table marts.fct_deal_snapshots as
select 'opp' || d || '@' || a.as_of_date as snapshot_id, 'opp' || d as opportunity_id, a.as_of_date,
       a.as_of_date = %(today)s as is_current, 'u' || (d %% 4) as owner_id, 'a' || (d %% 5) as account_id,
       (array['SMB', 'MM', 'ENT'])[1 + d %% 3] as segment, 'New Business' as opportunity_type,
       'Web' as lead_source, 'Prospecting' as stage_name, 1 as stage_sort_order,
       0.1::float8 as stage_default_probability, 0.1::float8 as crm_probability, 'Pipeline' as forecast_category,
       1000::numeric as amount,
       a.as_of_date + 30 as close_date, 5 as days_in_stage, 20 + d as deal_age_days, 30 as days_to_close,
       false as is_close_date_past, 0::bigint as close_date_push_count, 1::bigint as activities_7d,
       3::bigint as activities_30d, 1::bigint as calls_30d, 1::bigint as emails_30d, 1::bigint as meetings_30d,
       0::bigint as connected_calls_30d, 2 as days_since_last_activity, 1::bigint as contacts_engaged_90d,
       0 as close_date_days_pushed, null::integer as days_since_stage_firm_up, 9 as days_since_last_meeting, 0::bigint as senior_contacts_engaged_90d,
       0::bigint as risk_notes_90d, 1::bigint as commitment_notes_90d, 0::bigint as account_prior_won_deals,
       true as has_economic_buyer, false as has_champion, 1::bigint as contact_role_count,
       case when a.as_of_date = %(today)s then d %% 2 = 0 end as has_next_step,
       0.3::float8 as rep_trailing_win_rate, 10::bigint as rep_trailing_closed_deal_count,
       case when a.as_of_date < %(today)s and d %% 3 < 2 then 1 - d %% 3 end as label_won,
       case when a.as_of_date < %(today)s and d %% 3 = 0 then d %% 2 end as label_slipped
from generate_series(1, %(deals)s) d
cross join (select cast(day as date) as as_of_date
            from generate_series(%(today)s - 57, %(today)s - 8, interval '7 days') as day
            union all select %(today)s) as a
"""
FEATURES_SQL = """
create table marts.ml_open_deals__features as
select s.*, 'Deal ' || s.opportunity_id as opportunity_name, 'c1' as contact_id, 'UTC' as owner_timezone
from marts.fct_deal_snapshots s where is_current
"""

SCORES_SQL = """
insert into ml.deal_scores (opportunity_id, as_of_date, p_win, score_source, model_name, model_version,
    top_factors_for, top_factors_against, scored_at, p_slip, p_close_in_quarter, slip_model_version)
select opportunity_id, as_of_date, 0.1 + (deal_age_days % 7) / 10.0, 'model', 'momentum_win', '3',
       'Economic buyer engaged', 'No next step', now(), 0.2, (0.1 + (deal_age_days % 7) / 10.0) * 0.8, '2'
from marts.ml_open_deals__features
"""


def create_marts(url: str, deals: int = DEALS) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("drop schema if exists marts cascade; create schema marts")
        conn.execute(SNAPSHOTS_SQL, {"today": TODAY, "deals": deals})
        conn.execute(FEATURES_SQL)


def create_scores(url: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("create schema if not exists ml")
        conn.execute(DEAL_SCORES_DDL)
        conn.execute(SCORES_SQL)


def create_synced_crm(url: str) -> None:
    """A demo CRM holding yesterday's sync of today's payloads, extracted into raw_crm."""
    opportunity_ids = [f"opp{n}" for n in range(1, DEALS + 1)]
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(CRM_SCHEMA.read_text())
        conn.execute(PAYLOAD_DDL)
        conn.execute(
            "insert into crm.opportunity (opportunity_id, name, stage_name, amount, created_date, system_modstamp)"
            " select id, 'Deal ' || id, 'Prospecting', 1000, now() - interval '30 days', now() - interval '1 day'"
            " from unnest(%s::text[]) as id",
            (opportunity_ids,),
        )
        conn.execute(
            "insert into reverse_etl.sync_crm__opportunity_fields select id, 0.30, 'momentum_win v3', 'Call the buyer', %s"
            " from unnest(%s::text[]) as id",
            (datetime(2026, 12, 1, 6, tzinfo=UTC), opportunity_ids),
        )
        # 3 tasks for each of 4 reps, one deal each.
        conn.execute(
            "insert into reverse_etl.sync_crm__tasks select 'tmva-' || n, 'opp' || n, null, 'u' || (n %% 4), 'Call the buyer',"
            " 'Call', 'Open', 'High', %s, 'Why' || chr(10) || chr(10) || 'What to say', 'call', 'Why', 'What to say',"
            " %s, 500, 'momentum_win v3' from generate_series(1, 12) n",
            (TODAY, datetime(2026, 12, 1, 9, tzinfo=UTC)),
        )
    for mapping in load_mappings().values():
        run_sync(url, url, mapping, open_destination=DEMO_DESTINATION, run_id="yesterday")
    extract_crm(
        DemoCrmSource(url),
        url,
        objects=(OBJECTS_BY_NAME["opportunity"], OBJECTS_BY_NAME["task"]),
        run_id="today",
    )
    # The payload checks read the CRM's current state from the staging contract, which dbt builds from this
    # extract before the payloads; here a view of the raw table stands in (same column names).
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("create schema if not exists staging")
        conn.execute(
            "create or replace view staging.stg_crm__opportunities as select * from raw_crm.opportunity"
        )
        conn.execute("create or replace view staging.stg_crm__tasks as select * from raw_crm.task")


def execute(url: str, statements: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(statements)


def validate(url: str, name: str) -> ValidationOutcome:
    return run_validation(url, REGISTRY[name])
