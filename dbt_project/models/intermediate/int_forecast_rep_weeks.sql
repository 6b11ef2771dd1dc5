{#
    Each rep's forecast on each snapshot date, for the fiscal quarter holding that date:
    closed-won so far, the rep's latest commit / best-case call, the open pipeline closing in
    the quarter (raw, stage-weighted and, on dates the morning job scored, its AI expectation
    and variance from int_forecast_deals_weighted) and the not-yet-created deals expected to be
    won in the quarter (int_not_yet_created_wins_estimated) and the open deals dated outside the
    quarter expected to be won inside it (int_forecast_pull_ins_expected; their variance joins the AI's).

    The AI range treats each open deal as won in the quarter or not, independently: its amount
    a with probability p. The sum then has mean sum(a p) and variance sum(a^2 p (1 - p)); both
    add up over reps, so fct_forecast_snapshots rolls up the variance and takes the square root
    only at the end.

    Reads ml through stg_ml__deal_scores, so it builds in the second dbt
    selection, after scoring (orchestration/dbt_project/assets.py). Like the snapshots, a date
    means the CRM at its start: a deal closed ON the date is still in that date's open
    pipeline, so closed-won and calls count up to the day before (never in both, never in neither).
#}
with weeks as (
    select * from {{ ref('int_forecast_weeks') }}
),

reps as (
    select * from {{ ref('dim_reps') }}
),

pipeline_deals as (
    select * from {{ ref('int_forecast_deals_weighted') }}
),

not_yet_created as (
    select * from {{ ref('int_not_yet_created_wins_estimated') }}
),

pull_ins as (
    select * from {{ ref('int_forecast_pull_ins_expected') }}
),

scored_dates as (
    -- The dates the morning job scored, or else the backtest did: only those have an AI forecast.
    select as_of_date, 'morning_run' as ai_forecast_source
    from {{ ref('stg_ml__deal_scores') }}
    group by as_of_date
    union all
    select as_of_date, 'backtest' as ai_forecast_source
    from {{ ref('stg_ml__deal_scores_backtest') }}
    where as_of_date not in (select as_of_date from {{ ref('stg_ml__deal_scores') }})
    group by as_of_date
),

won_deals as (
    select
        opportunities.opportunity_id,
        opportunities.owner_id,
        opportunities.closed_date,
        opportunities.amount,
        opportunities.created_at
    from {{ ref('stg_crm__opportunities') }} as opportunities
    inner join {{ ref('stg_crm__opportunity_stages') }} as stages
        on opportunities.stage_name = stages.stage_name
    where stages.is_won and opportunities.closed_date is not null
),

ranked_calls as (
    -- The rep's calls for the date's quarter made before the date (reps submit weekly).
    select
        submissions.owner_id,
        weeks.as_of_date,
        submissions.commit_amount,
        submissions.best_case_amount,
        row_number() over (
            partition by submissions.owner_id, weeks.as_of_date
            order by submissions.submitted_date desc, submissions.forecast_submission_id desc
        ) as recency
    from {{ ref('stg_crm__forecast_submissions') }} as submissions
    inner join weeks
        on submissions.fiscal_quarter = weeks.fiscal_quarter
        and submissions.submitted_date < weeks.as_of_date
),

latest_calls as (
    select * from ranked_calls where recency = 1
),

closed_won as (
    select won_deals.owner_id, weeks.as_of_date, sum(won_deals.amount) as closed_won_amount
    from won_deals
    inner join weeks
        on won_deals.closed_date >= weeks.fiscal_quarter_start_date
        and won_deals.closed_date < weeks.as_of_date
    group by won_deals.owner_id, weeks.as_of_date
),

quarter_actuals as (
    -- The quarter's whole closed-won as the CRM knows it today: the actual every week's
    -- forecast of that quarter is measured against (final once the quarter is over).
    select won_deals.owner_id, weeks.as_of_date, sum(won_deals.amount) as quarter_closed_won_amount
    from won_deals
    inner join weeks
        on won_deals.closed_date between weeks.fiscal_quarter_start_date and weeks.fiscal_quarter_end_date
        and won_deals.closed_date < {{ as_of_date() }}
    group by won_deals.owner_id, weeks.as_of_date
),

open_pipeline as (
    select
        owner_id,
        as_of_date,
        count(*) as open_deal_count,
        sum(amount) as open_pipeline_amount,
        sum(amount * stage_default_probability) as stage_weighted_pipeline_amount,
        sum(amount * ai_probability) as ai_expected_pipeline_amount,
        sum(amount * ai_win_probability) as ai_win_weighted_pipeline_amount,
        sum(amount * amount * ai_probability * (1 - ai_probability)) as ai_pipeline_variance,
        sum(case when ai_probability_source not in ('p_won_in_quarter', 'p_close_in_quarter') then 1 else 0 end)
            as open_deals_without_slip_count,
        -- The quarter-win model scored the date: its probabilities are the quarter's own, no rescaling.
        bool_or(ai_probability_source = 'p_won_in_quarter') as is_quarter_model_scored
    from pipeline_deals
    group by owner_id, as_of_date
),

pipeline_won as (
    -- What the quarter's pipeline of each date actually won inside the quarter: the AI expectation's
    -- truth, once the quarter is over, for the calibration below.
    select pipeline_deals.owner_id, pipeline_deals.as_of_date, sum(won_deals.amount) as pipeline_won_amount
    from pipeline_deals
    inner join weeks on pipeline_deals.as_of_date = weeks.as_of_date
    inner join won_deals
        on pipeline_deals.opportunity_id = won_deals.opportunity_id
        and won_deals.closed_date between pipeline_deals.as_of_date and weeks.fiscal_quarter_end_date
    group by pipeline_deals.owner_id, pipeline_deals.as_of_date
),

won_elsewhere as (
    -- The rest of the quarter's wins from the date on, by where each deal stood at the start of the date:
    -- already in the CRM but not in the quarter's pipeline (dated outside it or undated: pulled in), or not
    -- created yet. With closed-won so far and pipeline_won they add up to the quarter's actual, so each
    -- part of the AI forecast can be measured against its own truth (the backtest report's components).
    select
        won_deals.owner_id,
        weeks.as_of_date,
        -- Double precision like the AI expectations they are measured against (the CRM's amount type varies
        -- by source).
        cast(sum(case
            when coalesce({{ utc_date('won_deals.created_at') }} < weeks.as_of_date, true) then won_deals.amount
        end) as double precision) as pull_in_won_amount,
        cast(sum(case
            when {{ utc_date('won_deals.created_at') }} >= weeks.as_of_date then won_deals.amount
        end) as double precision) as not_yet_created_won_amount
    from won_deals
    inner join weeks
        on won_deals.closed_date between weeks.as_of_date and weeks.fiscal_quarter_end_date
        and won_deals.closed_date < {{ as_of_date() }}
    left join pipeline_deals
        on won_deals.opportunity_id = pipeline_deals.opportunity_id
        and weeks.as_of_date = pipeline_deals.as_of_date
    where pipeline_deals.opportunity_id is null
    group by won_deals.owner_id, weeks.as_of_date
),

rep_rows as (
    select
        reps.user_id as owner_id,
        reps.team,
        weeks.as_of_date,
        weeks.is_current,
        weeks.fiscal_quarter,
        weeks.fiscal_quarter_end_date,
        weeks.week_of_quarter,
        pipeline_won.pipeline_won_amount,
        won_elsewhere.pull_in_won_amount,
        won_elsewhere.not_yet_created_won_amount,
        coalesce(closed_won.closed_won_amount, 0) as closed_won_amount,
        latest_calls.commit_amount,
        latest_calls.best_case_amount,
        coalesce(open_pipeline.open_deal_count, 0) as open_deal_count,
        coalesce(open_pipeline.open_pipeline_amount, 0) as open_pipeline_amount,
        coalesce(open_pipeline.stage_weighted_pipeline_amount, 0) as stage_weighted_pipeline_amount,
        case
            when scored_dates.as_of_date is not null
                then coalesce(open_pipeline.ai_expected_pipeline_amount, 0)
        end as ai_expected_pipeline_uncalibrated_amount,
        case
            when scored_dates.as_of_date is not null then coalesce(open_pipeline.ai_win_weighted_pipeline_amount, 0)
        end as ai_win_weighted_pipeline_amount,
        case
            when scored_dates.as_of_date is not null
                then coalesce(open_pipeline.ai_pipeline_variance, 0) + coalesce(pull_ins.pull_in_variance, 0)
        end as ai_pipeline_variance,
        case
            when scored_dates.as_of_date is not null then coalesce(open_pipeline.open_deals_without_slip_count, 0)
        end as open_deals_without_slip_count,
        coalesce(open_pipeline.is_quarter_model_scored, false) as is_quarter_model_scored,
        coalesce(not_yet_created.not_yet_created_expected_amount, 0) as not_yet_created_expected_amount,
        coalesce(pull_ins.pull_in_expected_amount, 0) as pull_in_expected_amount,
        coalesce(quarter_actuals.quarter_closed_won_amount, 0) as quarter_closed_won_amount,
        scored_dates.ai_forecast_source,
        weeks.fiscal_quarter_end_date < {{ as_of_date() }} as is_quarter_complete
    from reps
    cross join weeks
    left join closed_won on reps.user_id = closed_won.owner_id and weeks.as_of_date = closed_won.as_of_date
    left join latest_calls
        on reps.user_id = latest_calls.owner_id and weeks.as_of_date = latest_calls.as_of_date
    left join open_pipeline
        on reps.user_id = open_pipeline.owner_id and weeks.as_of_date = open_pipeline.as_of_date
    left join quarter_actuals
        on reps.user_id = quarter_actuals.owner_id and weeks.as_of_date = quarter_actuals.as_of_date
    left join scored_dates on weeks.as_of_date = scored_dates.as_of_date
    left join not_yet_created
        on reps.user_id = not_yet_created.owner_id and weeks.as_of_date = not_yet_created.as_of_date
    left join pull_ins on reps.user_id = pull_ins.owner_id and weeks.as_of_date = pull_ins.as_of_date
    left join pipeline_won on reps.user_id = pipeline_won.owner_id and weeks.as_of_date = pipeline_won.as_of_date
    left join won_elsewhere
        on reps.user_id = won_elsewhere.owner_id and weeks.as_of_date = won_elsewhere.as_of_date
),

calibration as (
    -- Without the quarter-win model (a short history): the AI's in-quarter expectation, sum(amount x p_win),
    -- scaled by what such expectations won in the quarters that ended before the date (all reps, same week
    -- of quarter within 1): point in time; 1 without a past. The quarter-win model learns the same from those
    -- quarters deal by deal, so its sum stands as it is.
    select
        dates.as_of_date,
        sum(coalesce(past.pipeline_won_amount, 0)) / nullif(sum(past.ai_win_weighted_pipeline_amount), 0)
            as pipeline_won_per_expected
    from (select distinct as_of_date, week_of_quarter from weeks) as dates
    inner join rep_rows as past
        on past.fiscal_quarter_end_date < dates.as_of_date
        and abs(past.week_of_quarter - dates.week_of_quarter) <= 1
        and past.ai_expected_pipeline_uncalibrated_amount is not null
    group by dates.as_of_date
),

final as (
    select
        rep_rows.*,
        case
            when rep_rows.is_quarter_model_scored then rep_rows.ai_expected_pipeline_uncalibrated_amount
            else coalesce(
                rep_rows.ai_win_weighted_pipeline_amount * calibration.pipeline_won_per_expected,
                rep_rows.ai_expected_pipeline_uncalibrated_amount
            )
        end as ai_expected_pipeline_amount,
        case
            when rep_rows.is_quarter_model_scored then 1
            else coalesce(calibration.pipeline_won_per_expected, 1)
        end as pipeline_calibration_factor
    from rep_rows
    left join calibration on rep_rows.as_of_date = calibration.as_of_date
)

select * from final
