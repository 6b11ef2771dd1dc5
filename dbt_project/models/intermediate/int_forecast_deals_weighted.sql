{#
    The open pipeline of each forecast date, deal by deal: every deal open at the start of the
    date whose close date (as of the date) lies in the date's fiscal quarter, with the
    probability the AI forecast gives it of being won inside that quarter.

    docs/ARCHITECTURE.md, "Forecast": expected amount in quarter = amount x p_win x (1 - p_slip), which
    scoring publishes as p_close_in_quarter. Without a slip champion p_close_in_quarter is null
    (ml/scoring/score.py) and the deal counts at p_win instead: an upper bound (it assumes no slip),
    so ai_probability_source says so and the forecast marts carry it up as ai_forecast_basis.
    A deal the scoring run did not reach counts at its stage probability, as scoring does.
    On dates the morning job did not score at all there is no AI probability (null).
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

scored_dates as (
    select distinct as_of_date from scores
),

quarter_pipeline as (
    select
        snapshots.opportunity_id,
        snapshots.owner_id,
        snapshots.as_of_date,
        snapshots.amount,
        snapshots.stage_default_probability,
        scored_dates.as_of_date is not null as is_date_scored,
        scores.p_win,
        scores.p_close_in_quarter
    from snapshots
    inner join weeks on snapshots.as_of_date = weeks.as_of_date
    left join scored_dates on snapshots.as_of_date = scored_dates.as_of_date
    left join scores
        on snapshots.opportunity_id = scores.opportunity_id and snapshots.as_of_date = scores.as_of_date
    where snapshots.close_date between weeks.fiscal_quarter_start_date and weeks.fiscal_quarter_end_date
),

final as (
    select
        opportunity_id,
        owner_id,
        as_of_date,
        amount,
        stage_default_probability,
        case
            when not is_date_scored then null
            when p_close_in_quarter is not null then 'p_close_in_quarter'
            when p_win is not null then 'p_win'
            else 'stage_probability'
        end as ai_probability_source,
        case
            when is_date_scored then coalesce(p_close_in_quarter, p_win, stage_default_probability)
        end as ai_probability
    from quarter_pipeline
)

select * from final
