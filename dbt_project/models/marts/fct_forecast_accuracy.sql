{#
    How good each week's forecast was, once its quarter is over: for every complete fiscal
    quarter, every snapshot week of it and every rep, team and the company, the AI forecast,
    the rep commit and the stage-weighted pipeline against the quarter's actual closed-won.

    Error = forecast - actual (positive: over-forecast); the absolute percentage error divides
    by the actual and is null when the actual is 0. The AI forecast of a week the morning job did
    not score comes from the walk-forward backtest (ml/backtest/: models trained only on deals closed
    before the quarter began), marked ai_forecast_source = 'backtest'; it is null only for weeks
    neither covered.
#}
with forecasts as (
    select * from {{ ref('fct_forecast_snapshots') }}
    where is_quarter_complete
),

{%- set forecast_columns = [
    ('ai', 'ai_forecast_amount'),
    ('commit', 'commit_amount'),
    ('stage_weighted', 'stage_weighted_forecast_amount'),
] %}

final as (
    select
        forecast_snapshot_id,
        forecast_level,
        forecast_group,
        owner_id,
        team,
        fiscal_quarter,
        week_of_quarter,
        as_of_date,
        quarter_closed_won_amount as actual_closed_won_amount,
        ai_forecast_amount,
        ai_forecast_p10_amount,
        ai_forecast_p90_amount,
        ai_forecast_basis,
        ai_forecast_source,
        commit_amount,
        stage_weighted_forecast_amount,
        {%- for name, column in forecast_columns %}
        {{ column }} - quarter_closed_won_amount as {{ name }}_error_amount,
        abs({{ column }} - quarter_closed_won_amount) / nullif(quarter_closed_won_amount, 0)
            as {{ name }}_abs_pct_error,
        {%- endfor %}
        quarter_closed_won_amount between ai_forecast_p10_amount and ai_forecast_p90_amount
            as is_actual_within_ai_range
    from forecasts
)

select * from final
