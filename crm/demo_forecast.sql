-- Each rep's Monday call for the quarter that Monday falls in: closed-won so far plus the
-- open pipeline they have in the commit and best-case categories, bent by the rep's style
-- (pg_temp.rep_forecast_style: sandbaggers call about a fifth under, happy ears about a fifth over).
-- Reps submit round numbers, so calls are rounded to the nearest 1,000.
insert into crm.forecast_submission (
    forecast_submission_id, owner_id, fiscal_quarter, submitted_date, commit_amount, best_case_amount,
    system_modstamp
)
with mondays as (
    select
        monday::date as submitted_date,
        date_trunc('quarter', monday)::date as quarter_start
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
        lead(h.created_date) over (partition by h.opportunity_id order by h.created_date) as valid_to
    from crm.opportunity_history as h
    inner join crm.opportunity as o on h.opportunity_id = o.opportunity_id
    inner join crm.opportunity_stage as s on h.stage_name = s.stage_name
),

known_on_monday as (  -- each deal as the CRM showed it at 00:00 UTC that Monday
    select m.submitted_date, m.quarter_start, h.*
    from mondays as m
    inner join history as h
        on h.valid_from < (m.submitted_date::timestamp at time zone 'UTC')
        and (h.valid_to is null or h.valid_to >= (m.submitted_date::timestamp at time zone 'UTC'))
),

pipeline as (
    select
        owner_id,
        submitted_date,
        coalesce(sum(amount) filter (where is_won and close_date >= quarter_start), 0) as won_amount,
        coalesce(sum(amount) filter (
            where not is_closed and forecast_category = %(commit_category)s
            and close_date < quarter_start + interval '3 months'
        ), 0) as commit_pipeline,
        coalesce(sum(amount) filter (
            where not is_closed and forecast_category = %(best_case_category)s
            and close_date < quarter_start + interval '3 months'
        ), 0) as best_case_pipeline
    from known_on_monday
    group by owner_id, submitted_date
),

calls as (
    select
        r.owner_id,
        m.submitted_date,
        to_char(m.quarter_start, 'YYYY') || '-Q' || to_char(m.quarter_start, 'Q') as fiscal_quarter,
        coalesce(p.won_amount, 0) as won_amount,
        coalesce(p.commit_pipeline, 0) as commit_pipeline,
        coalesce(p.best_case_pipeline, 0) as best_case_pipeline,
        r.commit_factor,
        r.stretch_factor,
        r.best_case_factor
    from pg_temp.rep_forecast_style as r
    cross join mondays as m
    left join pipeline as p on r.owner_id = p.owner_id and m.submitted_date = p.submitted_date
),

final as (
    select
        owner_id,
        fiscal_quarter,
        submitted_date,
        round((won_amount + commit_factor * commit_pipeline + stretch_factor * best_case_pipeline) / 1000)
        * 1000 as commit_amount,
        round((won_amount + commit_pipeline + best_case_factor * best_case_pipeline) / 1000)
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
