{#
    The probability cuts that turn a deal's probability of closing inside its close date's fiscal quarter
    (macro close_quarter_probability) into an AI forecast category, learned from the org's own history so that
    each AI category is as reliable as the reps' use of it (issue 17, item 4). One row for the as-of date.

    History: snapshots dated inside their close date's quarter, where that quarter ended before the as-of date
    (whether the deal was won inside it is known; nothing from after the as-of date decides it), with the
    probability the morning job or the walk-forward backtest gave the deal that day.
    - Commit cut: the lowest probability (a 1-point grid) whose deals at or above it won inside their quarter at
      least as often as the deals the reps put in Commit.
    - Best Case cut: the lowest probability under the Commit cut whose deals between it and the Commit cut won at
      least as often as the reps' Best Case deals.
    Too little history (fewer than var('ai_forecast_min_history_deals') scored deals, or rep Commit or Best
    Case deals), or no cut that reaches the reps' rate: both cuts are the documented fallbacks
    (vars ai_forecast_fallback_*_probability) and threshold_source says 'fallback'.
#}
{%- set min_deals = var('ai_forecast_min_history_deals') %}

with snapshots as (
    select * from {{ ref('fct_deal_snapshots') }}
),

all_scores as (
    -- The morning job's score of a day wins over the backtest's for the same day.
    select opportunity_id, as_of_date, p_close_in_quarter, p_won_in_quarter, 1 as preference
    from {{ ref('stg_ml__deal_scores') }}
    where coalesce(p_won_in_quarter, p_close_in_quarter) is not null
    union all
    select opportunity_id, as_of_date, p_close_in_quarter, p_won_in_quarter, 2 as preference
    from {{ ref('stg_ml__deal_scores_backtest') }}
    where coalesce(p_won_in_quarter, p_close_in_quarter) is not null
),

scores as (
    {{ latest_row_per_key('all_scores', 'opportunity_id, as_of_date', 'preference') }}
),

history as (
    select
        snapshots.opportunity_id,
        snapshots.as_of_date,
        snapshots.forecast_category,
        snapshots.is_close_date_in_current_quarter,
        case when snapshots.label_won = 1 and coalesce(snapshots.label_slipped, 0) = 0 then 1 else 0 end
            as is_won_in_quarter
    from snapshots
    where snapshots.is_close_date_in_current_quarter
        and {{ fiscal_quarter_end('snapshots.close_date') }} < {{ as_of_date() }}
),

rep_rates as (
    select
        count(*) filter (where forecast_category = 'Commit') as rep_commit_deals,
        avg(is_won_in_quarter) filter (where forecast_category = 'Commit') as rep_commit_won_rate,
        count(*) filter (where forecast_category = 'Best Case') as rep_best_case_deals,
        avg(is_won_in_quarter) filter (where forecast_category = 'Best Case') as rep_best_case_won_rate
    from history
),

probability_bins as (
    -- Floored to the point, so every deal of a bin lies at or above its cut.
    select
        floor(cast({{ close_quarter_probability('scores', 'history.is_close_date_in_current_quarter') }} as numeric)
            * 100) / 100 as cut,
        count(*) as deals,
        sum(history.is_won_in_quarter) as won
    from history
    inner join scores
        on history.opportunity_id = scores.opportunity_id and history.as_of_date = scores.as_of_date
    group by 1
),

commit_cuts as (
    select
        cut,
        sum(deals) over (order by cut desc rows unbounded preceding) as deals_above,
        sum(won) over (order by cut desc rows unbounded preceding) as won_above
    from probability_bins
),

commit_cut as (
    select min(commit_cuts.cut) as cut
    from commit_cuts
    cross join rep_rates
    where commit_cuts.deals_above >= {{ min_deals }}
        and commit_cuts.won_above >= rep_rates.rep_commit_won_rate * commit_cuts.deals_above
),

best_case_cuts as (
    select
        probability_bins.cut,
        sum(probability_bins.deals) over (order by probability_bins.cut desc rows unbounded preceding) as deals_above,
        sum(probability_bins.won) over (order by probability_bins.cut desc rows unbounded preceding) as won_above
    from probability_bins
    cross join commit_cut
    where probability_bins.cut < commit_cut.cut
),

best_case_cut as (
    select min(best_case_cuts.cut) as cut
    from best_case_cuts
    cross join rep_rates
    where best_case_cuts.deals_above >= {{ min_deals }}
        and best_case_cuts.won_above >= rep_rates.rep_best_case_won_rate * best_case_cuts.deals_above
),

learned as (
    select
        rep_rates.*,
        (select coalesce(sum(deals), 0) from probability_bins) as scored_history_deals,
        commit_cut.cut as learned_commit_cut,
        best_case_cut.cut as learned_best_case_cut
    from rep_rates
    cross join commit_cut
    cross join best_case_cut
),

final as (
    select
        {{ as_of_date() }} as as_of_date,
        rep_commit_deals,
        cast(rep_commit_won_rate as double precision) as rep_commit_won_rate,
        rep_best_case_deals,
        cast(rep_best_case_won_rate as double precision) as rep_best_case_won_rate,
        scored_history_deals,
        case when is_learned then 'history' else 'fallback' end as threshold_source,
        cast(case when is_learned then learned_commit_cut
            else {{ var('ai_forecast_fallback_commit_probability') }} end as double precision) as commit_probability,
        cast(case when is_learned then learned_best_case_cut
            else {{ var('ai_forecast_fallback_best_case_probability') }} end as double precision) as best_case_probability,
        cast({{ var('ai_forecast_omitted_probability') }} as double precision) as omitted_probability
    from (
        select
            learned.*,
            coalesce(
                scored_history_deals >= {{ min_deals }}
                and rep_commit_deals >= {{ min_deals }}
                and rep_best_case_deals >= {{ min_deals }}
                and learned_commit_cut is not null
                and learned_best_case_cut is not null,
                false
            ) as is_learned
        from learned
    ) as checked
)

select * from final
