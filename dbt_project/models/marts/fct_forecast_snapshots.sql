{#
    The forecast as it stood on each snapshot date (Mondays of the last year plus today), for
    the fiscal quarter holding the date, per rep, per team and for the company: closed-won so
    far, the reps' commit and best-case calls, the stage-weighted pipeline and, on dates the
    morning job scored, the AI forecast (closed-won + sum of amount x p_win over open deals
    closing in the quarter). Every week's numbers are kept, so forecast accuracy can be
    measured backwards against quarter_closed_won_amount once the quarter is over.
#}
with rep_weeks as (
    select * from {{ ref('int_forecast_rep_weeks') }}
),

{%- set measures = [
    'closed_won_amount', 'commit_amount', 'best_case_amount', 'open_deal_count', 'open_pipeline_amount',
    'stage_weighted_pipeline_amount', 'ai_expected_pipeline_amount', 'quarter_closed_won_amount'] %}

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
        {%- for measure in measures %}
        sum({{ measure }}) as {{ measure }}{{ ',' if not loop.last }}
        {%- endfor %}
    from rep_weeks
    -- By position: the company level groups by constants, which Postgres refuses by expression.
    group by 1, 2, 3, 4, 5, 6, 7, 8, 9
    {{ 'union all' if not loop.last }}
    {%- endfor %}
),

final as (
    select
        rolled_up.forecast_level || ':' || rolled_up.forecast_group || '@'
            || cast(rolled_up.as_of_date as {{ dbt.type_string() }}) as forecast_snapshot_id,
        rolled_up.*,
        rolled_up.closed_won_amount + rolled_up.ai_expected_pipeline_amount as ai_forecast_amount,
        rolled_up.closed_won_amount + rolled_up.stage_weighted_pipeline_amount as stage_weighted_forecast_amount
    from rolled_up
)

select * from final
