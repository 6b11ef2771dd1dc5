{#
    Deals that do not exist yet also close this quarter. Per rep and forecast date: the expected
    amount of deals created on or after the date and won by the end of the date's fiscal quarter,
    estimated from the rep's own history (summed per team and company, that is the team's history).

    For each of the var('not_yet_created_quarters') = 4 fiscal quarters before the date's quarter
    (a year, so seasonality averages out), the amount of the deals created AND won inside that
    quarter, created no earlier into it than the date is into its own quarter (day 40 of this
    quarter counts deals created from day 40 of a past one). That is the same part of the quarter
    left, measured, rather than a linear share: create-and-close deals are mostly created early,
    and a deal created in the last week rarely closes in it. The estimate is the average over those
    quarters. Point in time: only past quarters, all complete before the date; quarters before the
    CRM's first deal do not count (they would average in zeros for a company not yet on the CRM).
#}
{%- set quarters = var('not_yet_created_quarters') | int %}

with weeks as (
    select * from {{ ref('int_forecast_weeks') }}
),

opportunities as (
    select * from {{ ref('stg_crm__opportunities') }}
),

stages as (
    select * from {{ ref('stg_crm__opportunity_stages') }}
),

quarter_offsets as (
    {{ dbt.generate_series(quarters) }}
),

created_and_won_in_quarter as (
    select
        opportunities.owner_id,
        opportunities.amount,
        {{ utc_date('opportunities.created_at') }} as created_date,
        {{ fiscal_quarter_start(utc_date('opportunities.created_at')) }} as quarter_start_date
    from opportunities
    inner join stages on opportunities.stage_name = stages.stage_name
    where stages.is_won
        and opportunities.closed_date is not null
        and opportunities.closed_date <= {{ fiscal_quarter_end(utc_date('opportunities.created_at')) }}
),

history_start as (
    select min({{ fiscal_quarter_start(utc_date('created_at')) }}) as first_quarter_start_date
    from opportunities
),

past_quarters as (
    select
        weeks.as_of_date,
        {{ dbt.datediff('weeks.fiscal_quarter_start_date', 'weeks.as_of_date', 'day') }} as days_into_quarter,
        cast({{ dbt.dateadd('month', '-3 * quarter_offsets.generated_number', 'weeks.fiscal_quarter_start_date') }}
            as date) as quarter_start_date
    from weeks
    cross join quarter_offsets
),

counted_quarters as (
    select past_quarters.*
    from past_quarters
    cross join history_start
    where past_quarters.quarter_start_date >= history_start.first_quarter_start_date
),

quarter_counts as (
    select as_of_date, count(*) as history_quarter_count
    from counted_quarters
    group by as_of_date
),

won_late_in_quarter as (
    select deals.owner_id, quarters.as_of_date, sum(deals.amount) as won_amount
    from counted_quarters as quarters
    inner join created_and_won_in_quarter as deals
        on deals.quarter_start_date = quarters.quarter_start_date
        and deals.created_date
            >= cast({{ dbt.dateadd('day', 'quarters.days_into_quarter', 'quarters.quarter_start_date') }} as date)
    where deals.owner_id is not null
    group by deals.owner_id, quarters.as_of_date
),

final as (
    select
        won_late_in_quarter.owner_id,
        won_late_in_quarter.as_of_date,
        quarter_counts.history_quarter_count,
        {{ round_money('won_late_in_quarter.won_amount / quarter_counts.history_quarter_count') }}
            as not_yet_created_expected_amount
    from won_late_in_quarter
    inner join quarter_counts on won_late_in_quarter.as_of_date = quarter_counts.as_of_date
)

select * from final
