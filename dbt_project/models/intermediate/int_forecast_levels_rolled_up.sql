{#
    The deal-level forecast before calibration (fct_forecast_snapshots calibrates it on past errors).
    The forecast as it stood on each snapshot date (Mondays of the last year plus today), for
    the fiscal quarter holding the date, per rep, per team and for the company: closed-won so
    far, the reps' commit and best-case calls, the stage-weighted pipeline and, on dates the
    morning job scored, the AI forecast with its P10-P90 range. Every week's numbers are kept,
    so forecast accuracy is measured backwards (fct_forecast_accuracy).

    AI forecast = closed-won to date + open pipeline expected (sum of amount x p_won_in_quarter, else the
    older estimates: int_forecast_deals_weighted, int_forecast_rep_weeks) + not-yet-created expected
    (int_not_yet_created_wins_estimated) + pulled-in expected (open deals dated outside the quarter, int_forecast_pull_ins_expected).

    Range: the open pipeline's sum of independent won-or-not deals, by the normal approximation
    (mean sum(a p), variance sum(a^2 p (1-p)), z = 1.2816 for the 10th and 90th percentiles),
    clipped to what the pipeline can give (0 .. its whole amount). Exact would be the
    distribution of a weighted sum of Bernoullis, a convolution per rep and week that SQL does not
    do cheaply; the normal curve is close from a dozen deals on (a team, the company) and only
    rough for a rep with two or three. Closed-won is known and the not-yet-created line is a
    historical average, so both shift the range without widening it.
#}
{%- set z_90 = 1.2816 %}

with rep_weeks as (
    select * from {{ ref('int_forecast_rep_weeks') }}
),

{%- set measures = [
    'closed_won_amount', 'commit_amount', 'best_case_amount', 'open_deal_count', 'open_pipeline_amount',
    'stage_weighted_pipeline_amount', 'ai_expected_pipeline_amount', 'ai_pipeline_variance',
    'open_deals_without_slip_count', 'not_yet_created_expected_amount', 'pull_in_expected_amount',
    'quarter_closed_won_amount', 'pipeline_won_amount', 'pull_in_won_amount', 'not_yet_created_won_amount'] %}

rolled_up as (
    {%- for level, group_expr, owner_expr, team_expr in [
        ('rep', 'owner_id', 'owner_id', 'team'),
        ('team', "coalesce(team, '(no team)')", 'cast(null as ' ~ dbt.type_string() ~ ')', 'team'),
        ('company', "'company'", 'cast(null as ' ~ dbt.type_string() ~ ')', 'cast(null as ' ~ dbt.type_string() ~ ')'),
    ] %}
    select
        '{{ level }}' as forecast_level,
        {{ group_expr }} as forecast_group,
        {{ owner_expr }} as owner_id,
        {{ team_expr }} as team,
        as_of_date,
        is_current,
        fiscal_quarter,
        week_of_quarter,
        is_quarter_complete,
        ai_forecast_source,
        bool_or(is_quarter_model_scored) as is_quarter_model_scored,
        {%- for measure in measures %}
        sum({{ measure }}) as {{ measure }}{{ ',' if not loop.last }}
        {%- endfor %}
    from rep_weeks
    -- By position: the company level groups by constants, which Postgres refuses by expression.
    group by 1, 2, 3, 4, 5, 6, 7, 8, 9, 10
    {{ 'union all' if not loop.last }}
    {%- endfor %}
),

ranged as (
    -- greatest/least skip nulls, so unscored dates (null expectation) are kept null explicitly.
    select
        *,
        sqrt(ai_pipeline_variance) as ai_pipeline_stddev_amount,
        case when ai_expected_pipeline_amount is not null then
            greatest(ai_expected_pipeline_amount - {{ z_90 }} * sqrt(ai_pipeline_variance), 0)
        end as pipeline_p10_amount,
        case when ai_expected_pipeline_amount is not null then
            least(ai_expected_pipeline_amount + {{ z_90 }} * sqrt(ai_pipeline_variance), open_pipeline_amount)
        end as pipeline_p90_amount
    from rolled_up
),

final as (
    select
        forecast_level || ':' || forecast_group || '@' || cast(as_of_date as {{ dbt.type_string() }})
            as forecast_snapshot_id,
        forecast_level,
        forecast_group,
        owner_id,
        team,
        as_of_date,
        is_current,
        fiscal_quarter,
        week_of_quarter,
        is_quarter_complete,
        closed_won_amount,
        commit_amount,
        best_case_amount,
        open_deal_count,
        open_pipeline_amount,
        stage_weighted_pipeline_amount,
        {{ round_money('ai_expected_pipeline_amount') }} as ai_expected_pipeline_amount,
        {{ round_money('not_yet_created_expected_amount') }} as not_yet_created_expected_amount,
        {{ round_money('pull_in_expected_amount') }} as pull_in_expected_amount,
        {{ round_money('closed_won_amount + ai_expected_pipeline_amount + not_yet_created_expected_amount
            + pull_in_expected_amount') }}
            as ai_forecast_amount,
        {{ round_money('closed_won_amount + pipeline_p10_amount + not_yet_created_expected_amount
            + pull_in_expected_amount') }}
            as ai_forecast_p10_amount,
        {{ round_money('closed_won_amount + pipeline_p90_amount + not_yet_created_expected_amount
            + pull_in_expected_amount') }}
            as ai_forecast_p90_amount,
        {{ round_money('ai_pipeline_stddev_amount') }} as ai_pipeline_stddev_amount,
        open_deals_without_slip_count,
        case
            when ai_expected_pipeline_amount is null then null
            when is_quarter_model_scored then 'p_won_in_quarter'
            when open_deals_without_slip_count = 0 then 'p_close_in_quarter'
            else 'p_win_without_slip'
        end as ai_forecast_basis,
        ai_forecast_source,
        closed_won_amount + stage_weighted_pipeline_amount as stage_weighted_forecast_amount,
        quarter_closed_won_amount,
        coalesce(pipeline_won_amount, 0) as pipeline_won_amount,
        coalesce(pull_in_won_amount, 0) as pull_in_won_amount,
        coalesce(not_yet_created_won_amount, 0) as not_yet_created_won_amount
    from ranged
)

select * from final
