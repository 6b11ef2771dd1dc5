"""The dbt project on the simulated CRM (simulator.build, preset "tiny": 4 reps, ~75 deals, 6 months).

The hand-made fixture pins each rule; this checks that they hold together on data shaped like
a real org, defects included (missing amounts, duplicate contacts, stage skips).
"""

from __future__ import annotations

from datetime import date

import psycopg
import pytest

from simulator import build as demo
from tests.dbt.dbt_helpers import copy_crm_into_raw_crm, create_output_tables, run_dbt

TODAY = date(2026, 3, 18)


@pytest.fixture(scope="module")
def demo_build(module_database: str, tmp_path_factory):
    demo.build_demo_crm(module_database, preset="tiny", seed=7, today=TODAY)
    with psycopg.connect(module_database) as conn:
        copy_crm_into_raw_crm(conn)
        create_output_tables(conn)
    result = run_dbt(module_database, "build", TODAY.isoformat(), tmp_path_factory.mktemp("dbt"))
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    return module_database, result.stdout


def query(url: str, sql: str) -> list[tuple]:
    with psycopg.connect(url) as conn:
        return conn.execute(sql).fetchall()


def test_every_test_passes_without_warnings_on_the_demo_crm(demo_build):
    _, output = demo_build

    assert "WARN=0 ERROR=0" in output


def test_todays_snapshot_matches_the_crms_current_record_of_every_open_deal(demo_build):
    # The snapshot is rebuilt from history; the current record is written independently.
    url, _ = demo_build
    mismatches = query(
        url,
        """
        select o.opportunity_id, o.stage_name, f.stage_name, o.close_date, f.close_date
        from crm.opportunity as o
        full outer join marts.ml_open_deals__features as f on f.opportunity_id = o.opportunity_id
        where (not o.is_closed or f.opportunity_id is not null)
          and (o.opportunity_id is null or f.opportunity_id is null
               or o.stage_name <> f.stage_name or o.close_date is distinct from f.close_date)
        """,
    )
    assert mismatches == []
    assert query(url, "select count(*) > 10 from marts.ml_open_deals__features") == [(True,)]


def test_no_snapshot_sees_anything_after_its_date(demo_build):
    url, _ = demo_build
    leaks = query(
        url,
        """
        select count(*) from marts.fct_deal_snapshots
        where as_of_date > date '2026-03-18' or days_since_last_activity < 0 or days_in_stage < 0
           or deal_age_days < 0 or close_date_push_count < 0
        """,
    )
    assert leaks == [(0,)]


def test_past_snapshots_of_closed_deals_are_labelled(demo_build):
    url, _ = demo_build
    (labelled, won, slipped_known), = query(
        url,
        "select count(label_won), count(*) filter (where label_won = 1), count(label_slipped)"
        " from marts.fct_deal_snapshots where not is_current",
    )  # fmt: skip

    assert labelled > 50
    assert slipped_known == won  # label_slipped is set exactly on the won deals' rows
