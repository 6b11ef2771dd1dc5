"""A short profile of a built demo CRM, in SQL: is it shaped like a real sales org?"""

from __future__ import annotations

import psycopg

PROFILE_SQL = """
with stages as (select stage_name, is_closed, is_won from crm.opportunity_stage),
deals as (
    select o.*, a.segment, exists (
        select 1 from crm.opportunity_contact_role as r
        where r.opportunity_id = o.opportunity_id and r.role = 'Economic Buyer'
    ) as has_economic_buyer
    from crm.opportunity as o left join crm.account as a on o.account_id = a.account_id
),
last_touch as (
    select what_id as opportunity_id, max(activity_date) as last_activity_date from crm.task group by what_id
),
stage_entered as (  -- when the deal entered its current stage: the last row whose stage differs from the one before
    select opportunity_id, max(created_date) as entered_at
    from (
        select opportunity_id, created_date, stage_name,
               lag(stage_name) over (partition by opportunity_id order by created_date) as previous_stage
        from crm.opportunity_history
    ) as h
    where previous_stage is distinct from stage_name
    group by opportunity_id
)
select
    count(*) as opportunities,
    avg((not is_closed)::int) as open_share,
    avg(is_won::int) filter (where is_closed) as win_rate,
    avg(is_won::int) filter (where is_closed and has_economic_buyer) as win_rate_with_economic_buyer,
    avg(is_won::int) filter (where is_closed and not has_economic_buyer) as win_rate_without_economic_buyer,
    avg((close_date < %(today)s)::int) filter (where not is_closed) as open_share_close_date_past,
    avg((next_step is null)::int) filter (where not is_closed) as open_share_no_next_step,
    avg((t.last_activity_date < %(today)s - 10)::int) filter (where not is_closed) as open_share_no_activity_10d,
    avg((e.entered_at < %(today)s - 14)::int) filter (where not is_closed) as open_share_stalled_14d,
    avg((amount is null)::int) as share_missing_amount
from deals as d
left join last_touch as t on d.opportunity_id = t.opportunity_id
left join stage_entered as e on d.opportunity_id = e.opportunity_id
"""

CYCLE_SQL = """
select a.segment,
       percentile_cont(0.5) within group (order by o.closed_date - o.created_date::date)
           filter (where o.is_won) as median_won_cycle_days,
       percentile_cont(0.5) within group (order by o.closed_date - o.created_date::date) as median_closed_cycle_days,
       avg(o.is_won::int) as win_rate
from crm.opportunity as o join crm.account as a on o.account_id = a.account_id
where o.is_closed
group by a.segment order by a.segment
"""


def profile_demo_crm(url: str) -> dict:
    """Headline shape of the demo CRM: open share, win rates, hygiene gaps, cycle lengths by segment."""
    with psycopg.connect(url) as conn:
        today = conn.execute("select current_date_value from sim_truth.clock").fetchone()[0]
        cur = conn.execute(PROFILE_SQL, {"today": today})
        profile = dict(zip([c.name for c in cur.description], cur.fetchone(), strict=True))
        profile = {k: (float(v) if v is not None and k != "opportunities" else v) for k, v in profile.items()}
        for segment, won_days, closed_days, win_rate in conn.execute(CYCLE_SQL).fetchall():
            profile.setdefault("median_won_cycle_days", {})[segment] = won_days and float(won_days)
            profile.setdefault("median_closed_cycle_days", {})[segment] = float(closed_days)
            profile.setdefault("win_rate_by_segment", {})[segment] = float(win_rate)
    return profile
