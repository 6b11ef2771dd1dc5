{#
    The pipeline-review flags counted per rep, segment and close quarter (leadership's dashboard, Pipeline
    health): how many of each rep's open deals are stalled, pushed, past their close date, missing late-stage
    stakeholders or a next step, and slower in their stage than the segment's norm. Counts and sums only, so the
    page adds up the rows its filters select.
#}
with deals as (
    select * from {{ ref('dash_pipeline_review_deals') }}
),

final as (
    select
        as_of_date,
        owner_id,
        rep_name,
        team,
        segment,
        close_fiscal_quarter,
        count(*) as open_deal_count,
        coalesce(sum(amount), 0) as open_pipeline_amount,
        count(*) filter (where is_stalled) as stalled_count,
        count(*) filter (where is_pushed) as pushed_count,
        count(*) filter (where is_close_date_past) as past_close_date_count,
        count(*) filter (where is_missing_stakeholders) as missing_stakeholders_count,
        count(*) filter (where is_next_step_missing) as next_step_missing_count,
        count(*) filter (where days_in_stage_vs_segment > {{ var('dashboard_slow_stage_ratio') }}) as slow_in_stage_count
    from deals
    group by as_of_date, owner_id, rep_name, team, segment, close_fiscal_quarter
)

select * from final
