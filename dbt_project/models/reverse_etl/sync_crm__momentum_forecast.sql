{#
    The Momentum forecast record (issue 17): per rep and per team, for the fiscal quarter holding today's as-of
    date, the AI forecast with its P10-P90 range next to the rep's (or team's) latest commit and best case, as the
    CRM object momentum_forecast (Salesforce: Momentum_Forecast__c). Upserted by ai_external_id
    (level + rep or team + quarter), so every morning updates the quarter's record; a new quarter makes new records
    and the old quarters' records stay as they were last written (reverse_etl/mappings/momentum_forecast.yml).

    Owner: the rep; for a team, the manager most of the team's reps report to. Only active CRM users own a record
    (a CRM refuses an inactive owner): an inactive rep's row is left out, a team without an active manager has none,
    and a manager gets a rep-level record only with deals or calls of their own.
#}
{%- set compared_amounts = ['ai_forecast', 'ai_forecast_p10', 'ai_forecast_p90'] %}

with today as (
    select * from {{ ref('fct_forecast_snapshots') }}
    where as_of_date = {{ as_of_date() }}
        and forecast_level in ('rep', 'team')
        -- Not scored today (no morning run yet): no record rather than one without its forecast.
        and ai_forecast_amount is not null
),

reps as (
    select * from {{ ref('dim_reps') }}
),

team_managers as (
    -- The team's manager: the active user most of the team's active reps report to (ties: the lower id).
    select distinct on (reps.team)
        reps.team,
        reps.manager_id
    from reps
    inner join reps as managers on reps.manager_id = managers.user_id and managers.is_active
    where reps.is_active and reps.team is not null
    group by reps.team, reps.manager_id
    order by reps.team, count(*) desc, reps.manager_id
),

deal_scores as (
    select * from {{ ref('stg_ml__deal_scores') }}
),

model_version as (
    -- The models behind today's deal scores, which the forecast adds up (as on the opportunity fields).
    select
        max(
            case
                when score_source = 'model' then model_name || ' v' || model_version
                else score_source
            end
            || coalesce('; momentum_slip v' || slip_model_version, '')
        ) as ai_model_version
    from deal_scores
    where as_of_date = (select max(as_of_date) from deal_scores where as_of_date <= {{ as_of_date() }})
),

records as (
    select
        'momentum-forecast:' || today.forecast_level || ':' || today.forecast_group || ':' || today.fiscal_quarter
            as ai_external_id,
        case when today.forecast_level = 'rep' then today.owner_id else team_managers.manager_id end as owner_id,
        today.forecast_level as ai_forecast_level,
        today.team as ai_team,
        today.fiscal_quarter as ai_fiscal_quarter,
        -- Whole currency units: cents of a forecast mean nothing to a reader.
        round(cast(today.ai_forecast_amount as numeric)) as ai_forecast,
        round(cast(today.ai_forecast_p10_amount as numeric)) as ai_forecast_p10,
        round(cast(today.ai_forecast_p90_amount as numeric)) as ai_forecast_p90,
        round(cast(today.commit_amount as numeric)) as ai_commit,
        round(cast(today.best_case_amount as numeric)) as ai_best_case,
        round(cast(today.ai_forecast_amount as numeric)) - round(cast(today.commit_amount as numeric)) as ai_minus_commit,
        today.as_of_date as ai_as_of_date,
        model_version.ai_model_version
    from today
    left join team_managers on today.forecast_level = 'team' and today.team = team_managers.team
    left join reps on today.forecast_level = 'rep' and today.owner_id = reps.user_id
    cross join model_version
    where today.forecast_level = 'team' and team_managers.manager_id is not null
        or today.forecast_level = 'rep' and reps.is_active
        -- A manager is on the rep level too (any user may own deals); without a deal or a call of their own that
        -- record would be all zeros beside their team's.
        and not (
            reps.is_manager and today.ai_forecast_amount = 0
            and today.commit_amount is null and today.best_case_amount is null
        )
),

final as (
    select
        records.*,
        -- Not written: the AI numbers to 3 significant digits (steps of 0.1% to 1% of the amount), which the sync
        -- compares instead of the exact amounts, so the cents a daily rescoring moves do not rewrite every record
        -- while a real move does (then with today's exact numbers and as-of date).
        concat_ws(' | '
        {%- for column in compared_amounts %},
            case
                when {{ column }} = 0 then '0'
                else cast(round({{ column }}, 2 - cast(floor(log(abs({{ column }}))) as integer)) as text)
            end
        {%- endfor %}
        ) as compare_forecast_amounts
    from records
)

select * from final
