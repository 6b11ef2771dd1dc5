"""The oracle forecast per rep and forecast date, for the backtest report (`momentum forecast backtest`).

As simulator/oracle_forecast.py, but on every given as-of date and per owner: the open deals' amounts as
the CRM showed them at the start of the date x their true P(booked Closed Won by the quarter's end), plus
the expected wins of deals not created yet (the rep's own Poisson stream). Closed-won to date is known to
every forecaster, so the report adds it from the forecast mart. Evaluation only: it reads sim_truth.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import pandas as pd
import psycopg

from simulator.oracle_forecast import expected_new_business
from simulator.org import build_org
from simulator.state import load_state
from simulator.truth_quarter import deal_truth

OPEN_BY_REP_SQL = """
with amount_then as (
    select distinct on (h.opportunity_id) h.opportunity_id, h.amount
    from crm.opportunity_history as h
    join sim_truth.deal_daily as d on d.opportunity_id = h.opportunity_id and d.as_of_date = %(as_of)s
    where h.created_date < %(as_of)s::timestamp at time zone 'UTC'
    order by h.opportunity_id, h.created_date desc, h.history_id desc
)
select o.owner_id, sum(coalesce(a.amount, 0) * d.true_p_win_this_quarter)
from sim_truth.deal_daily as d
join amount_then as a using (opportunity_id)
join crm.opportunity as o using (opportunity_id)
where d.as_of_date = %(as_of)s
group by o.owner_id
"""


def oracle_open_and_new_by_rep(url: str, dates: list[tuple[dt.date, dt.date]]) -> pd.DataFrame:
    """owner_id, as_of_date, oracle_expected_amount (open + not yet created) for each (as_of, quarter end)."""
    rows = []
    with psycopg.connect(url) as conn:
        config, seed, history_start, _, _ = load_state(conn)
        org = build_org(config, history_start, seed)
        kinds = tuple(sorted({(rep.segment, rep.activity) for rep in org.reps}))
        truth = deal_truth(config.latent, len(config.open_stages), kinds, config.fiscal_year_start_month)
        for as_of, quarter_end in dates:
            open_part = dict(conn.execute(OPEN_BY_REP_SQL, {"as_of": as_of}).fetchall())
            for rep in org.reps:
                new = expected_new_business(
                    config, dataclasses.replace(org, reps=[rep]), truth, as_of, quarter_end
                )
                rows.append((rep.user_id, as_of, float(open_part.get(rep.user_id, 0) or 0) + new))
    return pd.DataFrame(rows, columns=["owner_id", "as_of_date", "oracle_expected_amount"])
