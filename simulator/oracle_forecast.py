"""The oracle forecast of each past fiscal quarter: the call of a forecaster who knew every deal's hidden state.

As of the quarter's first Monday D (the CRM at the start of D):
    closed-won so far in the quarter
  + sum over open deals of amount x P(booked Closed Won by the quarter's end)   (sim_truth.deal_daily)
  + the expected won amount of deals not created yet that are created and booked inside the quarter
and the error against what was actually booked. The not-yet-created part is exact for the process:
each rep opens deals as a Poisson stream, each new deal's starting state is drawn as simulator.plan draws
it, and its chance to be booked in time is the horizon table of simulator.truth_quarter. What the oracle
cannot know is how amounts move later (re-scoping, discounts): it uses each deal's amount on D, and new
deals at their expected starting amount. Only evaluation reads this; the pipeline never does.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import psycopg

from simulator import text
from simulator.config import SEGMENTS, DemoConfig
from simulator.dates import business_days, business_days_through
from simulator.org import Org
from simulator.plan import (
    BUSINESS_DAYS_PER_MONTH,
    BUYER_AT_START,
    NEXT_STEP_AT_START,
    STAGE_SKIP_AT_START,
    TYPE_AMOUNT_FACTOR,
    quality_mean,
    quality_probabilities,
)
from simulator.truth_quarter import DealTruth

RAMP_UP_DAYS = (
    28  # as simulator.forecast_submissions: the first weeks of the history have no pipeline to call yet
)

QUARTER_SQL = """
with won as (
    select coalesce(sum(amount), 0) as actual,
           coalesce(sum(amount) filter (where closed_date < %(as_of)s), 0) as won_to_date
    from crm.opportunity
    where is_won and closed_date between %(quarter_start)s and %(quarter_end)s
),
amount_then as (  -- each open deal's amount as the CRM showed it at the start of the as-of date
    select distinct on (h.opportunity_id) h.opportunity_id, h.amount
    from crm.opportunity_history as h
    join sim_truth.deal_daily as d on d.opportunity_id = h.opportunity_id and d.as_of_date = %(as_of)s
    where h.created_date < %(as_of)s::timestamp at time zone 'UTC'
    order by h.opportunity_id, h.created_date desc, h.history_id desc
),
open_part as (
    select coalesce(sum(coalesce(a.amount, 0) * d.true_p_win_this_quarter), 0) as expected
    from sim_truth.deal_daily as d join amount_then as a using (opportunity_id)
    where d.as_of_date = %(as_of)s
)
select won.actual, won.won_to_date, open_part.expected from won, open_part
"""


def oracle_forecasts(
    conn: psycopg.Connection,
    config: DemoConfig,
    org: Org,
    truth: DealTruth,
    history_start: dt.date,
    today: dt.date,
) -> list[dict]:
    """One entry per complete fiscal quarter of the history, as of its first Monday."""
    out = []
    for quarter_start, quarter_end in _complete_quarters(config, history_start, today):
        as_of = quarter_start + dt.timedelta(days=(7 - quarter_start.weekday()) % 7)  # its first Monday
        params = {"as_of": as_of, "quarter_start": quarter_start, "quarter_end": quarter_end}
        actual, won_to_date, open_expected = (float(v) for v in conn.execute(QUARTER_SQL, params).fetchone())
        new_expected = expected_new_business(config, org, truth, as_of, quarter_end)
        forecast = won_to_date + open_expected + new_expected
        out.append(
            {
                "quarter": _quarter_label(quarter_start, config.fiscal_year_start_month),
                "as_of": as_of.isoformat(),
                "actual": round(actual, 2),
                "oracle_forecast": round(forecast, 2),
                "error": round(forecast - actual, 2),
                "error_pct": round(float((forecast - actual) / actual), 4) if actual else None,
                "closed_won_to_date": round(won_to_date, 2),
                "open_pipeline_expected": round(open_expected, 2),
                "not_yet_created_expected": round(new_expected, 2),
            }
        )
    return out


def expected_new_business(
    config: DemoConfig, org: Org, truth: DealTruth, as_of: dt.date, last: dt.date
) -> float:
    """Expected won amount of deals created on business days in [as_of, last] and booked by `last`."""
    days = business_days(as_of, last + dt.timedelta(days=1))
    if not len(days):
        return 0.0
    # A deal created on day j is first worked on j + 1: it has the business days in (j, last] to close.
    horizon = np.minimum(business_days_through(days + 1, np.datetime64(last)), truth.by_horizon.shape[0] - 1)
    levels = np.asarray(config.latent.quality_levels)
    stage_p = np.array([1 - STAGE_SKIP_AT_START, STAGE_SKIP_AT_START])
    next_p = np.array([1 - NEXT_STEP_AT_START, NEXT_STEP_AT_START])
    lognormal_mean = np.exp(config.amount_sigma**2 / 2) * (1 - config.missing_amount_rate)
    total = 0.0
    for rep in org.reps:
        segment = SEGMENTS[rep.segment]
        buyer_p = np.array([1 - BUYER_AT_START[rep.segment], BUYER_AT_START[rep.segment]])
        # A new deal's state: champion, threads, warmth and stall all start at 0.
        w = truth.by_horizon[horizon, rep.segment, rep.activity, :, :2, :, 0, 0, :, 0, 0]  # (day, q, s, b, n)
        by_quality = np.einsum("dqsbn,s,b,n->q", w, stage_p, buyer_p, next_p)  # summed over the days
        rate = config.deals_per_rep_month[segment] / BUSINESS_DAYS_PER_MONTH
        for deal_type, type_p in enumerate(text.OPPORTUNITY_TYPE_WEIGHTS):
            amount = config.amount_median[segment] * TYPE_AMOUNT_FACTOR[deal_type] * lognormal_mean
            for source, source_p in enumerate(text.LEAD_SOURCE_WEIGHTS):
                quality_p = quality_probabilities(levels, [quality_mean(rep.skill, deal_type, source)])[0]
                total += rate * type_p * source_p * amount * float(quality_p @ by_quality)
    return total


def _complete_quarters(config: DemoConfig, history_start: dt.date, today: dt.date):
    """(first day, last day) of every fiscal quarter that starts after the ramp-up and ended before today."""
    shift = config.fiscal_year_start_month - 1
    month = (history_start.year * 12 + history_start.month - 1 - shift) // 3 * 3 + shift
    while True:
        start = dt.date(month // 12, month % 12 + 1, 1)
        month += 3
        end = dt.date(month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)
        if end >= today:
            return
        if start >= history_start + dt.timedelta(days=RAMP_UP_DAYS):
            yield start, end


def _quarter_label(quarter_start: dt.date, start_month: int) -> str:
    """'2026-Q3': the fiscal year is named by the calendar year it starts in (as dbt's fiscal_quarter_label)."""
    months = quarter_start.year * 12 + quarter_start.month - 1 - (start_month - 1)
    return f"{months // 12}-Q{months % 12 // 3 + 1}"
