"""The `momentum sim profile` figures: is the simulated org shaped like a real B2B sales org?

Win rate and median cycle by segment (simulator.org_shape), the share of won deals whose close date
was pushed at least once before they closed, and each rep's forecast bias over completed quarters:
mean commit call of the quarter / closed-won amount of the quarter - 1 (negative: sandbagging), next
to the rep's hidden forecast style (the org is rebuilt from sim_truth.sim_state).
"""

from __future__ import annotations

import psycopg

from simulator.org import build_org
from simulator.org_shape import profile_demo_crm
from simulator.state import load_state

PUSHED_SQL = """
with h as (
    select opportunity_id, close_date,
           lag(close_date) over (partition by opportunity_id order by created_date, history_id) as previous,
           row_number() over (partition by opportunity_id order by created_date desc, history_id desc) as from_end
    from crm.opportunity_history
)
select avg(pushed::int) from (
    select h.opportunity_id, coalesce(bool_or(h.close_date > h.previous and h.from_end > 1), false) as pushed
    from h join crm.opportunity as o on o.opportunity_id = h.opportunity_id
    where o.is_won group by h.opportunity_id
) as won
"""

BIAS_SQL = """
with calls as (  -- the mean commit call per rep and completed quarter
    select owner_id, date_trunc('quarter', submitted_date)::date as quarter_start, avg(commit_amount) as commit
    from crm.forecast_submission
    group by 1, 2
    having date_trunc('quarter', submitted_date)::date + interval '3 months' <= %(today)s
),
actual as (
    select owner_id, date_trunc('quarter', closed_date)::date as quarter_start, sum(coalesce(amount, 0)) as won
    from crm.opportunity where is_won group by 1, 2
)
select c.owner_id, u.name, count(*) as quarters, sum(c.commit) as commit, sum(coalesce(a.won, 0)) as won
from calls as c
left join actual as a on a.owner_id = c.owner_id and a.quarter_start = c.quarter_start
join crm."user" as u on u.user_id = c.owner_id
group by c.owner_id, u.name order by c.owner_id
"""


def sim_profile(url: str) -> dict:
    profile = profile_demo_crm(url)
    with psycopg.connect(url) as conn:
        today = conn.execute("select current_date_value from sim_truth.clock").fetchone()[0]
        pushed = conn.execute(PUSHED_SQL).fetchone()[0]
        bias_rows = conn.execute(BIAS_SQL, {"today": today}).fetchall()
        config, seed, start, _, _ = load_state(conn)
    org = build_org(config, start, seed)
    style = {rep.user_id: rep.forecast_style for rep in org.reps}
    return {
        "today": today.isoformat(),
        "opportunities": profile["opportunities"],
        "win_rate_by_segment": profile.get("win_rate_by_segment", {}),
        "median_won_cycle_days": profile.get("median_won_cycle_days", {}),
        "median_closed_cycle_days": profile.get("median_closed_cycle_days", {}),
        "won_pushed_at_least_once_share": None if pushed is None else round(float(pushed), 4),
        "forecast_bias_by_rep": [
            {
                "owner_id": owner,
                "name": name,
                "hidden_style": style.get(owner),
                "quarters": quarters,
                "commit": float(commit),
                "closed_won": float(won),
                "bias": round(float(commit) / float(won) - 1, 4) if won else None,
            }
            for owner, name, quarters, commit, won in bias_rows
        ],
    }
