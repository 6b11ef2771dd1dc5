{#
    The deals that move this quarter's number (leadership's dashboard, This quarter): every deal in today's
    forecast pipeline (int_forecast_deals_weighted on today's as-of date) with its expected amount and the AI
    forecast category the CRM gets (int_deal_ai_forecast_categories: one definition, learned cuts) beside the
    rep's own forecast category, so the page can list the largest expected amounts and the largest disagreements.
#}
with weighted as (
    select * from {{ ref('int_forecast_deals_weighted') }}
    where as_of_date = {{ as_of_date() }}
),

snapshots as (
    select * from {{ ref('fct_deal_snapshots') }}
    where is_current
),

reps as (
    select * from {{ ref('dim_reps') }}
),

weeks as (
    select * from {{ ref('int_forecast_weeks') }}
),

ai_categories as (
    select * from {{ ref('int_deal_ai_forecast_categories') }}
),

category_thresholds as (
    select * from {{ ref('int_forecast_category_thresholds') }}
),

categorised as (
    select
        weighted.opportunity_id,
        weighted.as_of_date,
        weeks.fiscal_quarter,
        weighted.owner_id,
        reps.rep_name,
        coalesce(reps.team, '(no team)') as team,
        snapshots.segment,
        snapshots.stage_name,
        snapshots.close_date,
        snapshots.forecast_category as rep_forecast_category,
        weighted.amount,
        weighted.ai_probability,
        weighted.ai_probability_source,
        weighted.amount * weighted.ai_probability as ai_expected_amount,
        ai_categories.ai_forecast_category,
        -- The middle of the AI's Best Case band: what the rep's Best Case is read as in the disagreement below.
        (category_thresholds.best_case_probability + category_thresholds.commit_probability) / 2
            as best_case_midpoint_probability
    from weighted
    inner join snapshots on weighted.opportunity_id = snapshots.opportunity_id
    left join reps on weighted.owner_id = reps.user_id
    left join weeks on weighted.as_of_date = weeks.as_of_date
    left join ai_categories on weighted.opportunity_id = ai_categories.opportunity_id
    cross join category_thresholds
),

final as (
    select
        *,
        case
            when ai_forecast_category is null or rep_forecast_category is null then null
            else ai_forecast_category <> rep_forecast_category
        end as is_category_disagreement,
        -- How far apart the two calls are in money: the rep's category read as its own probability would
        -- count the deal at 1 (Commit), the middle of the AI's Best Case band (Best Case) or 0, against the
        -- AI's expected amount.
        abs(
            coalesce(amount, 0) * case rep_forecast_category
                when 'Commit' then 1.0
                when 'Best Case' then best_case_midpoint_probability
                else 0.0
            end
            - coalesce(ai_expected_amount, 0)
        ) as disagreement_amount
    from categorised
)

select * from final
