{{ config(materialized='view') }}
{#
    The AI forecast category of each open deal today (issue 17), defined once: the CRM gets it
    (sync_crm__opportunity_fields) and leadership's dashboard shows it (dash_forecast_deals), so the two never
    disagree. The category follows the probability as written to the CRM (2 decimals; macro
    close_quarter_probability: the quarter-win model's for deals dated inside the scored quarter) through the cuts
    learned in int_forecast_category_thresholds; null without that probability (no quarter-win model for such a
    deal and no slip champion), never guessed from p_win. A view, as the CRM payloads are: it follows the latest
    scores without another dbt run.
#}
with open_deals as (
    select opportunity_id, close_date, forecast_category from {{ ref('ml_open_deals__features') }}
),

category_thresholds as (
    select * from {{ ref('int_forecast_category_thresholds') }}
),

deal_scores as (
    select * from {{ ref('stg_ml__deal_scores') }}
),

latest_scores as (
    -- The newest scoring run up to the as-of date: if today's scoring has not run yet, the
    -- CRM keeps showing yesterday's numbers rather than blanks.
    select * from deal_scores
    where as_of_date = (
        select max(as_of_date) from deal_scores where as_of_date <= {{ as_of_date() }}
    )
),

written as (
    select
        open_deals.opportunity_id,
        open_deals.close_date,
        open_deals.forecast_category as rep_forecast_category,
        {%- set dated_in_scored_quarter = '(' ~ fiscal_quarter_label('open_deals.close_date') ~ ') = ('
            ~ fiscal_quarter_label('latest_scores.as_of_date') ~ ')' %}
        round(cast({{ close_quarter_probability('latest_scores', dated_in_scored_quarter) }} as numeric), 2)
            as close_in_quarter_probability
    from open_deals
    left join latest_scores on open_deals.opportunity_id = latest_scores.opportunity_id
),

final as (
    select
        written.opportunity_id,
        written.rep_forecast_category,
        written.close_in_quarter_probability,
        case
            when written.close_in_quarter_probability is null then null
            when written.rep_forecast_category = 'Omitted'
                or written.close_in_quarter_probability < category_thresholds.omitted_probability
                then 'Omitted'
            when written.close_in_quarter_probability >= category_thresholds.commit_probability then 'Commit'
            when written.close_in_quarter_probability >= category_thresholds.best_case_probability then 'Best Case'
            else 'Pipeline'
        end as ai_forecast_category,
        {{ fiscal_quarter_label('written.close_date') }} as close_date_quarter
    from written
    cross join category_thresholds
)

select * from final
