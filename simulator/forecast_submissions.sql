-- Each rep's Monday call for the fiscal quarter that Monday falls in: closed-won so far, plus the open
-- pipeline they have in the commit and best-case categories, plus the new business they expect to
-- create and win before the quarter ends (their own run rate), all bent by the rep's style
-- (pg_temp.rep_forecast_style: sandbaggers call about a fifth under, happy ears about a fifth over).
-- Reps submit round numbers, so calls are rounded to the nearest 1,000.
-- %(fiscal_shift)s = fiscal-year start month - 1: shifting a date back by it maps fiscal quarters onto
-- calendar ones (the same arithmetic as the dbt macro fiscal_quarter_start).
insert into crm.forecast_submission (
    forecast_submission_id, owner_id, fiscal_quarter, submitted_date, commit_amount, best_case_amount,
    system_modstamp
)
with mondays as (
    select
        monday::date as submitted_date,
        (date_trunc('quarter', monday - make_interval(months => %(fiscal_shift)s))
            + make_interval(months => %(fiscal_shift)s))::date as quarter_start,
        (monday - make_interval(months => %(fiscal_shift)s))::date as shifted
    from generate_series(%(first_monday)s::date, %(last_monday)s::date, interval '7 days') as monday
),

history as (
    select
        h.opportunity_id,
        o.owner_id,
        h.amount,
        h.close_date,
        h.forecast_category,
        s.is_closed,
        s.is_won,
        h.created_date as valid_from,
        lead(h.created_date) over by_time as valid_to,
        -- When the deal entered the stage this row shows: reps leave deals stuck for months out of the call.
        max(case when h.stage_name is distinct from h.previous_stage then h.created_date end) over (
            partition by h.opportunity_id order by h.created_date, h.history_id rows unbounded preceding
        ) as stage_entered_at
    from (
        select *, lag(stage_name) over (partition by opportunity_id order by created_date, history_id) as previous_stage
        from crm.opportunity_history
    ) as h
    inner join crm.opportunity as o on h.opportunity_id = o.opportunity_id
    inner join crm.opportunity_stage as s on h.stage_name = s.stage_name
    window by_time as (partition by h.opportunity_id order by h.created_date, h.history_id)
),

versions as (  -- the Mondays each version was the current one at 00:00 UTC: (valid_from, valid_to]
    select
        history.*,
        (valid_from at time zone 'UTC')::date + 1 as first_day,
        least(
            coalesce((valid_to at time zone 'UTC')::date, %(last_monday)s::date),
            -- A closed deal counts only as won amount in the quarter of its close date: no Monday after.
            case when is_closed then close_date + 92 end
        ) as last_day
    from history
    where not (is_closed and not is_won)  -- a lost deal counts in no call
),

known_on_monday as (  -- one row per deal and Monday: the deal as the CRM showed it then
    select
        monday::date as submitted_date,
        (date_trunc('quarter', monday - make_interval(months => %(fiscal_shift)s))
            + make_interval(months => %(fiscal_shift)s))::date as quarter_start,
        v.*,
        v.stage_entered_at < monday - interval '60 days' as is_stuck  -- two months in one stage
    from versions as v
    cross join lateral generate_series(
        greatest(v.first_day + (8 - extract(isodow from v.first_day)::int) %% 7, %(first_monday)s::date),
        least(v.last_day, %(last_monday)s::date),
        interval '7 days'
    ) as monday
),

pipeline as (
    select
        owner_id,
        submitted_date,
        coalesce(sum(amount) filter (where is_won and close_date >= quarter_start), 0) as won_amount,
        coalesce(sum(amount) filter (
            where not is_closed and forecast_category = %(commit_category)s and not is_stuck
            and close_date < quarter_start + interval '3 months'
        ), 0) as commit_pipeline,
        coalesce(sum(amount) filter (
            where not is_closed and forecast_category = %(best_case_category)s and not is_stuck
            and close_date < quarter_start + interval '3 months'
        ), 0) as best_case_pipeline
    from known_on_monday
    group by owner_id, submitted_date
),

quarter_run_rate as (  -- per rep and quarter: won amount of deals created and won inside that quarter
    select
        o.owner_id,
        (date_trunc('quarter', o.closed_date - make_interval(months => %(fiscal_shift)s))
            + make_interval(months => %(fiscal_shift)s))::date as quarter_start,
        sum(o.amount) as won_in_quarter_amount
    from crm.opportunity as o
    where o.is_won
        and date_trunc('quarter', o.closed_date - make_interval(months => %(fiscal_shift)s))
        = date_trunc('quarter', (o.created_date at time zone 'UTC') - make_interval(months => %(fiscal_shift)s))
    group by 1, 2
),

expected_new_business as (  -- the last two complete quarters' average, for the part of this quarter left
    select
        m.submitted_date,
        r.owner_id,
        sum(r.won_in_quarter_amount) / 2
        * ((m.quarter_start + interval '3 months')::date - m.submitted_date)
        / ((m.quarter_start + interval '3 months')::date - m.quarter_start) as amount
    from mondays as m
    inner join quarter_run_rate as r
        on r.quarter_start >= m.quarter_start - interval '6 months' and r.quarter_start < m.quarter_start
    group by m.submitted_date, m.quarter_start, r.owner_id
),

calls as (
    select
        r.owner_id,
        m.submitted_date,
        to_char(m.shifted, 'YYYY') || '-Q' || to_char(m.shifted, 'Q') as fiscal_quarter,
        coalesce(p.won_amount, 0) as won_amount,
        coalesce(p.commit_pipeline, 0) as commit_pipeline,
        coalesce(p.best_case_pipeline, 0) as best_case_pipeline,
        coalesce(n.amount, 0) as new_business,
        r.commit_factor,
        r.stretch_factor,
        r.best_case_factor,
        r.new_business_factor
    from pg_temp.rep_forecast_style as r
    cross join mondays as m
    left join pipeline as p on r.owner_id = p.owner_id and m.submitted_date = p.submitted_date
    left join expected_new_business as n on r.owner_id = n.owner_id and m.submitted_date = n.submitted_date
),

final as (
    select
        owner_id,
        fiscal_quarter,
        submitted_date,
        round((won_amount + commit_factor * commit_pipeline + stretch_factor * best_case_pipeline
            + new_business_factor * new_business) / 1000) * 1000 as commit_amount,
        round((won_amount + commit_pipeline + best_case_factor * best_case_pipeline + new_business) / 1000)
        * 1000 as best_case_amount
    from calls
)

select
    '0FSDm' || lpad((%(issued)s + row_number() over (order by submitted_date, owner_id))::text, 10, '0'),
    owner_id,
    fiscal_quarter,
    submitted_date,
    commit_amount,
    greatest(commit_amount, best_case_amount),
    submitted_date::timestamp at time zone 'UTC' + interval '16 hours'
from final
