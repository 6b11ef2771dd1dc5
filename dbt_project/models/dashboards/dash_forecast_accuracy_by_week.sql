{#
    Forecast accuracy by week of quarter (leadership's dashboard, Forecast accuracy): over every complete
    quarter in fct_forecast_accuracy, per rep, team and the company and week of quarter, the mean absolute
    percentage error of the AI forecast, the reps' commit and the stage-weighted pipeline, and how often the
    actual fell inside the AI's P10-P90 range. Weeks without an AI value (not scored, no backtest yet) count
    in ai_weeks as zero (backtest_weeks and morning_run_weeks say where the others came from) and leave the AI columns null: the page says why.
#}
with accuracy as (
    select * from {{ ref('fct_forecast_accuracy') }}
),

final as (
    select
        forecast_level,
        forecast_group,
        max(owner_id) as owner_id,
        max(team) as team,
        week_of_quarter,
        count(*) as quarters,
        count(ai_forecast_amount) as ai_weeks,
        count(ai_forecast_amount) filter (where ai_forecast_source = 'backtest') as backtest_weeks,
        count(ai_forecast_amount) filter (where ai_forecast_source = 'morning_run') as morning_run_weeks,
        avg(ai_abs_pct_error) as ai_mean_abs_pct_error,
        avg(commit_abs_pct_error) as commit_mean_abs_pct_error,
        avg(stage_weighted_abs_pct_error) as stage_weighted_mean_abs_pct_error,
        avg(case when is_actual_within_ai_range then 1.0 when is_actual_within_ai_range is not null then 0.0 end)
            as share_actual_within_ai_range
    from accuracy
    group by forecast_level, forecast_group, week_of_quarter
)

select * from final
