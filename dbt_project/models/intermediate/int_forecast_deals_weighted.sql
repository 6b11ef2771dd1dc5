{#
    The open pipeline of each forecast date, deal by deal: every deal open at the start of the
    date whose close date (as of the date) lies in the date's fiscal quarter, with the
    probability the AI forecast gives it of being won inside that quarter.

    docs/ARCHITECTURE.md, "Forecast": expected amount in quarter = amount x p_won_in_quarter, the
    quarter-win model's probability (ml/quarter_wins). Before the history holds enough quarters for that
    model it is amount x p_win x (1 - p_slip), which scoring publishes as p_close_in_quarter. Without a slip champion p_close_in_quarter is null
    (ml/scoring/score.py) and the deal counts at p_win instead: an upper bound (it assumes no slip),
    so ai_probability_source says so and the forecast marts carry it up as ai_forecast_basis.
    A deal the scoring run did not reach counts at its stage probability, as scoring does.
    On dates the morning job did not score at all, the walk-forward backtest's scores stand in
    (stg_ml__deal_scores_backtest: models trained only on deals closed before the date's quarter), and
    ai_forecast_source says which ('morning_run' or 'backtest'); with neither, no AI probability (null).
#}
with weeks as (
    select * from {{ ref('int_forecast_weeks') }}
),

snapshots as (
    select * from {{ ref('fct_deal_snapshots') }}
),

scores as (
    select * from {{ ref('stg_ml__deal_scores') }}
),

backtest_scores as (
    select * from {{ ref('stg_ml__deal_scores_backtest') }}
),

scored_dates as (
    -- A date the morning job scored keeps its own scores; the backtest fills only the others.
    select as_of_date, 'morning_run' as ai_forecast_source from scores group by as_of_date
    union all
    select as_of_date, 'backtest' as ai_forecast_source from backtest_scores
    where as_of_date not in (select as_of_date from scores)
    group by as_of_date
),

date_scores as (
    {{ scores_by_date('scores', 'backtest_scores', ['p_win', 'p_close_in_quarter', 'p_won_in_quarter']) }}
),

quarter_pipeline as (
    select
        snapshots.opportunity_id,
        snapshots.owner_id,
        snapshots.as_of_date,
        snapshots.amount,
        snapshots.stage_default_probability,
        scored_dates.as_of_date is not null as is_date_scored,
        scored_dates.ai_forecast_source,
        date_scores.p_win,
        date_scores.p_close_in_quarter,
        date_scores.p_won_in_quarter
    from snapshots
    inner join weeks on snapshots.as_of_date = weeks.as_of_date
    left join scored_dates on snapshots.as_of_date = scored_dates.as_of_date
    left join date_scores
        on snapshots.opportunity_id = date_scores.opportunity_id and snapshots.as_of_date = date_scores.as_of_date
    where snapshots.close_date between weeks.fiscal_quarter_start_date and weeks.fiscal_quarter_end_date
),

final as (
    select
        opportunity_id,
        owner_id,
        as_of_date,
        amount,
        stage_default_probability,
        ai_forecast_source,
        case
            when not is_date_scored then null
            when p_won_in_quarter is not null then 'p_won_in_quarter'
            when p_close_in_quarter is not null then 'p_close_in_quarter'
            when p_win is not null then 'p_win'
            else 'stage_probability'
        end as ai_probability_source,
        case
            when is_date_scored then coalesce(p_won_in_quarter, p_close_in_quarter, p_win, stage_default_probability)
        end as ai_probability,
        -- The win probability alone (won ever, whenever): int_forecast_rep_weeks calibrates it to the quarter
        -- on dates without the quarter-win model.
        case when is_date_scored then coalesce(p_win, stage_default_probability) end as ai_win_probability
    from quarter_pipeline
)

select * from final
