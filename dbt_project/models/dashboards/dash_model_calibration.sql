{#
    Calibration of the live win scores (leadership's dashboard, Models): every score a deal received that has
    since closed, in ten bins of p_win, with the mean predicted probability and the share that was won. Empty
    until a scored deal closes; the holdout calibration of the champion's training run is on the same page.
#}
with scores as (
    select * from {{ ref('stg_ml__deal_scores') }}
),

outcomes as (
    select opportunity_id, is_won, closed_date from {{ ref('fct_win_loss') }}
),

scored_then_closed as (
    select
        scores.model_version,
        scores.p_win,
        outcomes.is_won,
        least(floor(scores.p_win * 10), 9) as probability_bin
    from scores
    inner join outcomes
        on scores.opportunity_id = outcomes.opportunity_id and outcomes.closed_date >= scores.as_of_date
    where scores.p_win is not null
),

final as (
    select
        model_version,
        cast(probability_bin as integer) as probability_bin,
        count(*) as scores,
        avg(p_win) as mean_p_win,
        avg(case when is_won then 1.0 else 0.0 end) as win_rate
    from scored_then_closed
    group by model_version, probability_bin
)

select * from final
