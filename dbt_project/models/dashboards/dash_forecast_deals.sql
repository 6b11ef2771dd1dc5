{#
    The deals that move this quarter's number (leadership's dashboard, This quarter): every deal in today's
    forecast pipeline (int_forecast_deals_weighted on today's as-of date) with its expected amount and the
    category the AI's probability puts it in beside the rep's own forecast category, so the page can list the
    largest expected amounts and the largest disagreements. The AI category cut-offs are the vars
    dashboard_ai_commit_probability and dashboard_ai_best_case_probability.
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
        case
            when weighted.ai_probability is null then null
            when weighted.ai_probability >= {{ var('dashboard_ai_commit_probability') }} then 'Commit'
            when weighted.ai_probability >= {{ var('dashboard_ai_best_case_probability') }} then 'Best Case'
            else 'Pipeline'
        end as ai_forecast_category
    from weighted
    inner join snapshots on weighted.opportunity_id = snapshots.opportunity_id
    left join reps on weighted.owner_id = reps.user_id
    left join weeks on weighted.as_of_date = weeks.as_of_date
),

final as (
    select
        *,
        case
            when ai_forecast_category is null or rep_forecast_category is null then null
            else ai_forecast_category <> rep_forecast_category
        end as is_category_disagreement,
        -- How far apart the two calls are in money: the rep's category read as its own probability would
        -- count the deal at 1 (Commit), the midpoint (Best Case) or 0, against the AI's expected amount.
        abs(
            coalesce(amount, 0) * case rep_forecast_category
                when 'Commit' then 1.0
                when 'Best Case' then {{ var('dashboard_ai_best_case_probability') }}
                else 0.0
            end
            - coalesce(ai_expected_amount, 0)
        ) as disagreement_amount
    from categorised
)

select * from final
