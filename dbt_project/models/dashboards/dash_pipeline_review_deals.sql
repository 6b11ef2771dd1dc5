{#
    The evidence a manager brings to a pipeline review, deal by deal (leadership's dashboard, Pipeline
    health): every deal open today with its stage velocity against the segment's norm, pushes, a past close
    date, silence, and the stakeholders and next step a late-stage deal should have. The flags' thresholds are
    the vars dashboard_stalled_days (no activity for that long) and dashboard_late_stage_progress.
#}
with deals as (
    select * from {{ ref('fct_deal_snapshots') }}
    where is_current
),

reps as (
    select * from {{ ref('dim_reps') }}
),

final as (
    select
        deals.opportunity_id,
        deals.as_of_date,
        {{ fiscal_quarter_label('deals.close_date') }} as close_fiscal_quarter,
        deals.owner_id,
        reps.rep_name,
        coalesce(reps.team, '(no team)') as team,
        deals.segment,
        deals.stage_name,
        deals.stage_progress,
        deals.amount,
        deals.close_date,
        deals.forecast_category,
        deals.days_in_stage,
        deals.days_in_stage_vs_segment,
        deals.days_since_last_activity,
        deals.close_date_push_count,
        deals.is_close_date_past,
        deals.has_economic_buyer,
        deals.has_champion,
        deals.has_next_step,
        coalesce(deals.days_since_last_activity >= {{ var('dashboard_stalled_days') }}, true) as is_stalled,
        coalesce(deals.close_date_push_count, 0) > 0 as is_pushed,
        deals.stage_progress >= {{ var('dashboard_late_stage_progress') }} as is_late_stage,
        deals.stage_progress >= {{ var('dashboard_late_stage_progress') }}
            and not (coalesce(deals.has_economic_buyer, false) and coalesce(deals.has_champion, false))
            as is_missing_stakeholders,
        not coalesce(deals.has_next_step, false) as is_next_step_missing
    from deals
    left join reps on deals.owner_id = reps.user_id
)

select * from final
