{#
    Deals whose close date, as of the forecast date, lies OUTSIDE the date's fiscal quarter also get
    won inside it: pulled in from a later quarter, or still open past a close date of an earlier one.
    int_forecast_deals_weighted counts only deals dated inside the quarter, so per rep and forecast
    date this model adds their expected in-quarter wins: amount x the deal's p_won_in_quarter, the
    quarter-win model's probability (ml/quarter_wins: trained on the quarters that ended before the date's
    quarter, scored by the morning job, or by the backtest on the dates the morning job did not score).

    A deal without p_won_in_quarter (no model yet: too few wins inside their quarter in the history) counts
    at the share of such pipeline that was won inside its own quarter in the past. The share is learned
    per (stage, where the close date lies: 'later' or 'past_due', part of the quarter: the same week
    within 1) from every snapshot (weekly and the older training dates) of the
    fiscal quarters that ended before the forecast date: point in time, their outcome inside their
    quarter was known by then. Amount-weighted (won amount / open amount), so it is the share of
    money, not of deals. Without history for a bucket a deal adds nothing, as before this model.
    On the demo (seed 7) the share runs from 0.5% (Prospecting) to 34% (Negotiation), 2-3M a quarter; the
    model halves the error of this part (ml/quarter_wins/model.py).
#}
with weeks as (
    select * from {{ ref('int_forecast_weeks') }}
),

snapshots as (
    select * from {{ ref('fct_deal_snapshots') }}
),

pull_in_scores as (
    {{ scores_by_date(ref('stg_ml__deal_scores'), ref('stg_ml__deal_scores_backtest'), ['p_won_in_quarter']) }}
),

won_deals as (
    select opportunities.opportunity_id, opportunities.amount as won_amount, opportunities.closed_date
    from {{ ref('stg_crm__opportunities') }} as opportunities
    inner join {{ ref('stg_crm__opportunity_stages') }} as stages
        on opportunities.stage_name = stages.stage_name
    where stages.is_won and opportunities.closed_date is not null
),

dated as (
    select
        opportunity_id,
        owner_id,
        as_of_date,
        stage_name,
        amount,
        close_date,
        {{ fiscal_quarter_start('as_of_date') }} as quarter_start_date,
        {{ fiscal_quarter_end('as_of_date') }} as quarter_end_date
    from snapshots
    where amount is not null and close_date is not null
),

outside_quarter as (
    select
        *,
        case when close_date > quarter_end_date then 'later' else 'past_due' end as close_date_position,
        cast({{ dbt.datediff('quarter_start_date', 'as_of_date', 'day') }} / 7 + 1 as integer) as week_of_quarter
    from dated
    where close_date > quarter_end_date or close_date < quarter_start_date
),

history_by_quarter as (
    -- A deal closed ON the snapshot date is still open in it, so a win counts from that day on.
    select
        outside_quarter.quarter_end_date,
        outside_quarter.stage_name,
        outside_quarter.close_date_position,
        outside_quarter.week_of_quarter,
        sum(outside_quarter.amount) as open_amount,
        sum(
            case
                when won_deals.closed_date between outside_quarter.as_of_date and outside_quarter.quarter_end_date
                    then won_deals.won_amount
                else 0
            end
        ) as won_in_quarter_amount
    from outside_quarter
    left join won_deals on outside_quarter.opportunity_id = won_deals.opportunity_id
    group by 1, 2, 3, 4
),

rates as (
    -- For each forecast date, only quarters that ended before it, same week of quarter within 1.
    select
        weeks.as_of_date,
        history.stage_name,
        history.close_date_position,
        sum(history.won_in_quarter_amount) / nullif(sum(history.open_amount), 0) as pull_in_rate
    from weeks
    inner join history_by_quarter as history
        on history.quarter_end_date < weeks.as_of_date
        and abs(history.week_of_quarter - weeks.week_of_quarter) <= 1
    group by 1, 2, 3
),

forecast_deals as (
    select
        outside_quarter.*,
        coalesce(pull_in_scores.p_won_in_quarter, rates.pull_in_rate, 0) as pull_in_probability
    from outside_quarter
    inner join weeks on outside_quarter.as_of_date = weeks.as_of_date
    left join pull_in_scores
        on outside_quarter.opportunity_id = pull_in_scores.opportunity_id
        and outside_quarter.as_of_date = pull_in_scores.as_of_date
    left join rates
        on outside_quarter.as_of_date = rates.as_of_date
        and outside_quarter.stage_name = rates.stage_name
        and outside_quarter.close_date_position = rates.close_date_position
),

final as (
    select
        deals.owner_id,
        deals.as_of_date,
        count(*) as outside_quarter_deal_count,
        {{ round_money('sum(deals.amount)') }} as outside_quarter_pipeline_amount,
        {{ round_money('sum(deals.amount * deals.pull_in_probability)') }} as pull_in_expected_amount,
        cast(
            sum(deals.amount * deals.amount * deals.pull_in_probability * (1 - deals.pull_in_probability))
            as double precision
        ) as pull_in_variance
    from forecast_deals as deals
    where deals.owner_id is not null
    group by deals.owner_id, deals.as_of_date
)

select * from final
