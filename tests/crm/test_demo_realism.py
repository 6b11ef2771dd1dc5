"""The demo preset looks like a real sales org, with the signal and the gaps the pipeline needs."""

from __future__ import annotations

import datetime as dt

import psycopg

from crm.demo_config import PRESETS
from crm.demo_profile import profile_demo_crm

DEMO_TODAY = dt.date(2026, 11, 23)  # as in conftest.py


def query(url: str, sql: str, params=None) -> list[tuple]:
    with psycopg.connect(url) as conn:
        return conn.execute(sql, params).fetchall()


def scalar(url: str, sql: str, params=None):
    return query(url, sql, params)[0][0]


def test_open_share_win_rate_and_cycle_lengths_are_plausible(demo_crm_url):
    profile = profile_demo_crm(demo_crm_url)

    assert 2_000 <= profile["opportunities"] <= 3_500
    assert 0.18 <= profile["open_share"] <= 0.35
    assert 0.22 <= profile["win_rate"] <= 0.38
    # Segment cycles are censored by the 15-month window (long ENT deals are mostly still open), so
    # ENT shows in its open share rather than in the cycles of the few ENT deals already closed.
    cycles = profile["median_closed_cycle_days"]
    assert cycles["SMB"] < cycles["MM"]
    open_share = dict(query(demo_crm_url, """
        select a.segment, avg((not o.is_closed)::int) from crm.opportunity as o join crm.account as a using (account_id)
        group by a.segment
    """))  # fmt: skip
    assert open_share["SMB"] < open_share["ENT"]


def test_deals_with_an_economic_buyer_win_more_often_than_deals_without(demo_crm_url):
    profile = profile_demo_crm(demo_crm_url)

    assert profile["win_rate_with_economic_buyer"] > 1.5 * profile["win_rate_without_economic_buyer"]


def test_open_deals_show_the_gaps_tmva_plays_trigger_on(demo_crm_url):
    profile = profile_demo_crm(demo_crm_url)

    for gap in ("open_share_stalled_14d", "open_share_no_activity_10d", "open_share_close_date_past",
                "open_share_no_next_step"):  # fmt: skip
        assert 0.02 <= profile[gap] <= 0.9, gap


def assert_binomial_rate(hits: int, n: int, rate: float) -> None:
    """`hits` out of `n` is within 4 standard errors of the configured `rate`."""
    standard_error = (rate * (1 - rate) / n) ** 0.5
    assert abs(hits / n - rate) < 4 * standard_error, (hits, n, rate)


def test_defects_appear_at_their_configured_rates(demo_crm_url):
    config = PRESETS["small"]
    missing_amounts, messy_sources, deals = query(demo_crm_url, """
        select count(*) filter (where amount is null),
               count(*) filter (where lead_source <> initcap(trim(lead_source))), count(*)
        from crm.opportunity
    """)[0]  # fmt: skip
    # A duplicate is the same person entered again: same account and email up to case and whitespace.
    duplicates, people = query(demo_crm_url, """
        select count(*) - count(distinct (account_id, lower(trim(email)))), count(distinct (account_id, lower(trim(email))))
        from crm.contact
    """)[0]  # fmt: skip

    assert_binomial_rate(missing_amounts, deals, config.missing_amount_rate)
    assert_binomial_rate(messy_sources, deals, config.lead_source_noise_rate)
    assert_binomial_rate(duplicates, people, config.duplicate_contact_rate)


def test_senior_contacts_pick_up_the_phone_less_often_than_individual_contributors(demo_crm_url):
    connect_rate = """
        select avg((t.call_disposition = 'Connected')::int)
        from crm.task as t join crm.contact as c on t.who_id = c.contact_id
        where t.type = 'Call' and c.seniority = any(%s)
    """
    juniors = scalar(demo_crm_url, connect_rate, (["IC", "Manager"],))
    seniors = scalar(demo_crm_url, connect_rate, (["VP", "C-Level"],))

    assert seniors < juniors


def test_weak_deals_push_their_close_date_more_often_per_month_open(demo_crm_url):
    # Weak = the lower half by true win probability on the deal's first Monday (from sim_truth).
    push_rate_by_half = """
        with history as (
            select h.opportunity_id, h.close_date, s.is_closed,
                   lag(h.close_date) over (partition by h.opportunity_id order by h.created_date) as previous_close
            from crm.opportunity_history as h join crm.opportunity_stage as s using (stage_name)
        ),
        first_truth as (
            select distinct on (opportunity_id) opportunity_id, true_p_win
            from sim_truth.deal_daily order by opportunity_id, as_of_date
        ),
        per_deal as (
            select o.opportunity_id, ntile(2) over (order by t.true_p_win) as half,
                   coalesce(o.closed_date, %(today)s) - o.created_date::date as days_open,
                   count(*) filter (where h.close_date > h.previous_close and not h.is_closed) as pushes
            from crm.opportunity as o
            join history as h using (opportunity_id)
            join first_truth as t using (opportunity_id)
            group by o.opportunity_id, days_open, t.true_p_win
        )
        select 30.0 * sum(pushes) / sum(days_open) from per_deal group by half order by half
    """
    with psycopg.connect(demo_crm_url) as conn:
        (weak,), (strong,) = conn.execute(push_rate_by_half, {"today": DEMO_TODAY}).fetchall()

    assert float(weak) > 1.05 * float(strong)
