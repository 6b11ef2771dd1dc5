"""Shapes of real CRM exports that broke the snapshots, on the hand-made CRM (tests/dbt/crm_fixture.py) plus
one deal that carries them:

- Salesforce's data export puts a placeholder close date (a 2013 date) on each deal's first history row;
  read literally, it became a close-date push of years on every deal;
- the deal has no account: it is not a "new logo", the CRM does not say whose it is.
"""

from __future__ import annotations

from datetime import date

import psycopg
import pytest

from tests.dbt import crm_fixture
from tests.dbt.crm_fixture import MODSTAMP, at
from tests.dbt.dbt_helpers import copy_crm_into_raw_crm, create_crm_schema, create_output_tables, run_dbt

AS_OF = crm_fixture.AS_OF_DATE.isoformat()
DEAL = "o_export"
UNTOUCHED_DEAL = "o_export_untouched"  # one history row, the placeholder: never changed since creation


def _add_the_exported_deal(conn: psycopg.Connection) -> None:
    conn.execute(
        "insert into crm.opportunity (opportunity_id, account_id, owner_id, name, stage_name, amount, close_date,"
        " is_closed, is_won, created_date, system_modstamp)"
        " values (%s, null, 'u_ae1', 'Exported deal', 'Discovery', 9000, '2026-05-15', false, false, %s, %s)",
        (DEAL, at("2026-01-05", 8), MODSTAMP),
    )
    history = [
        ("hx1", at("2026-01-05", 9), "Prospecting", "2013-06-30", DEAL),  # the export's placeholder
        (
            "hx2",
            at("2026-02-02", 9),
            "Prospecting",
            "2026-04-15",
            DEAL,
        ),  # the real close date, set: not a push
        ("hx3", at("2026-03-02", 9), "Discovery", "2026-05-15", DEAL),  # a real push of 30 days
    ]
    conn.execute(
        "insert into crm.opportunity (opportunity_id, account_id, owner_id, name, stage_name, amount, close_date,"
        " is_closed, is_won, created_date, system_modstamp)"
        " values (%s, null, 'u_ae1', 'Untouched deal', 'Prospecting', 9000, '2026-06-30', false, false, %s, %s)",
        (UNTOUCHED_DEAL, at("2026-02-09", 8), MODSTAMP),
    )
    history.append(("hx4", at("2026-02-09", 9), "Prospecting", "2013-06-30", UNTOUCHED_DEAL))
    with conn.cursor() as cursor:
        cursor.executemany(
            "insert into crm.opportunity_history (history_id, opportunity_id, created_date, stage_name, amount,"
            " close_date, system_modstamp) values (%s, %s, %s, %s, 9000, %s, %s)",
            [
                (history_id, deal, created, stage, close, MODSTAMP)
                for history_id, created, stage, close, deal in history
            ],
        )


@pytest.fixture(scope="module")
def built(module_database: str, tmp_path_factory) -> str:
    with psycopg.connect(module_database) as conn:
        create_crm_schema(conn)
        crm_fixture.load_fixture_crm(conn)
        _add_the_exported_deal(conn)
        copy_crm_into_raw_crm(conn)
        create_output_tables(conn)
    result = run_dbt(
        module_database, "run", AS_OF, tmp_path_factory.mktemp("dbt"), "--select", "+fct_deal_snapshots"
    )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    return module_database


def _snapshot(url: str, opportunity_id: str, as_of: str) -> tuple:
    with psycopg.connect(url) as conn:
        return conn.execute(
            "select close_date, close_date_push_count, close_date_days_pushed, account_prior_won_deals"
            " from marts.fct_deal_snapshots where opportunity_id = %s and as_of_date = %s",
            (opportunity_id, date.fromisoformat(as_of)),
        ).fetchone()


def test_a_placeholder_close_date_in_history_is_flagged_and_is_not_a_push(built):
    # Regression: the 2013 placeholder on the first history row read as a 1,749-day push on every deal.
    before_the_real_date = _snapshot(built, DEAL, "2026-01-12")
    after_the_real_push = _snapshot(built, DEAL, "2026-03-16")

    assert before_the_real_date[:3] == (None, 0, 0)  # no close date known yet, nothing pushed
    assert after_the_real_push[:3] == (date(2026, 5, 15), 1, 30)  # only the real push counts
    with psycopg.connect(built) as conn:
        counts = conn.execute(
            "select distinct placeholder_close_date_count from intermediate.int_opportunity_history_versioned"
            " where opportunity_id = %s",
            (DEAL,),
        ).fetchall()
        others = conn.execute(
            "select count(*) from intermediate.int_opportunity_history_versioned"
            " where opportunity_id not in (%s, %s) and placeholder_close_date_count <> 0",
            (DEAL, UNTOUCHED_DEAL),
        ).fetchone()
    assert counts == [(1,)] and others == (0,)


def test_a_placeholder_on_the_latest_history_row_is_the_deals_current_close_date(built):
    # Regression: a deal never changed since creation has only the placeholder row, and had no close date in
    # any snapshot, today's included (16 of the tiny demo's 40 open deals, exported: no days to close).
    assert _snapshot(built, UNTOUCHED_DEAL, AS_OF)[:3] == (date(2026, 6, 30), 0, 0)


def test_a_deal_without_an_account_has_no_prior_wins_count_rather_than_zero(built):
    # Regression: with no account the mart counted 0 prior wins and the explanation said "new logo".
    assert _snapshot(built, DEAL, "2026-03-16")[3] is None
    assert _snapshot(built, "o1", "2026-03-16")[3] == 0
