{#
    Momentum's fields on each open opportunity, under their CRM field names. The reverse ETL
    diffs this against what it last wrote and sends changed rows only; it never writes a null
    over a value, so deals without a score yet simply keep their old fields, except
    ai_next_best_action (clear_when_absent in reverse_etl/mappings/opportunity_fields.yml): a deal
    without a TMVA today has its stale advice cleared.
#}
with open_deals as (
    select opportunity_id, close_date, forecast_category from {{ ref('ml_open_deals__features') }}
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

todays_top_actions as (
    -- TMVAs are for today only: yesterday's advice is not today's next best action.
    select
        opportunity_id,
        action_title,
        row_number() over (partition by opportunity_id order by action_rank, tmva_id) as action_order
    from {{ ref('stg_actions__tmva_daily') }}
    where as_of_date = {{ as_of_date() }}
),

forecast_categories as (
    -- The AI forecast category (issue 17), defined once for the CRM and leadership's dashboard.
    select * from {{ ref('int_deal_ai_forecast_categories') }}
),

final as (
    select
        open_deals.opportunity_id,
        -- Two decimals: reps read it as a percent. Finer digits move on most deals every day, and
        -- each changed record is a CRM write that fires the CRM's triggers, for no visible change.
        round(cast(latest_scores.p_win as numeric), 2) as ai_win_probability,
        -- Where the number came from, readable in the CRM: "momentum_win v3", or the fallback.
        -- With a slip champion, its version too ("momentum_win v3; momentum_slip v2"): every value written
        -- carries the models that produced it, and a new slip champion is a new model for the sync's guard.
        case
            when latest_scores.score_source = 'model'
                then latest_scores.model_name || ' v' || latest_scores.model_version
            else latest_scores.score_source
        end
        || coalesce('; momentum_slip v' || latest_scores.slip_model_version, '') as ai_model_version,
        todays_top_actions.action_title as ai_next_best_action,
        latest_scores.scored_at as ai_scored_at,
        -- Deal insights (issue 16). Written along with a changed record (stamp fields in the mapping), and
        -- compared through the two compare_ columns below, so a daily change of wording or a point of slip
        -- risk does not rewrite every opportunity (reverse_etl/mappings/opportunity_fields.yml says why).
        round(cast(latest_scores.p_slip as numeric), 2) as ai_slip_risk,
        {{ crm_sentences('latest_scores.top_factors_for') }} as ai_top_reasons_for,
        {{ crm_sentences('latest_scores.top_factors_against') }} as ai_top_reasons_against,
        -- The slip risk's band of 10 points (0 = under 10%, ..., 9 = 90% or more): compared, never written.
        -- (least() skips nulls: without a slip score the band must stay null, not 9.)
        case
            when latest_scores.p_slip is not null then least(floor(latest_scores.p_slip * 10), 9)::integer
        end as compare_slip_risk_band,
        -- Which factors the reasons name, for and against, without their numbers: compared, never written.
        coalesce(latest_scores.factors_for, '') || ' | ' || coalesce(latest_scores.factors_against, '')
            as compare_reason_factors,
        -- Forecast adjustments (issue 17): the probability is a stamp (it moves daily), the category and the
        -- flag are compared (they change rarely); reverse_etl/mappings/opportunity_fields.yml.
        forecast_categories.close_in_quarter_probability as ai_close_in_quarter_probability,
        forecast_categories.ai_forecast_category,
        case
            when forecast_categories.ai_forecast_category <> forecast_categories.rep_forecast_category
                then 'AI says ' || forecast_categories.ai_forecast_category || ': '
                    || cast(round(forecast_categories.close_in_quarter_probability * 100) as integer)
                    || '% to close in ' || forecast_categories.close_date_quarter
                    || ' vs rep''s ' || forecast_categories.rep_forecast_category
        end as ai_forecast_flag
    from open_deals
    left join forecast_categories on open_deals.opportunity_id = forecast_categories.opportunity_id
    left join latest_scores on open_deals.opportunity_id = latest_scores.opportunity_id
    left join todays_top_actions
        on open_deals.opportunity_id = todays_top_actions.opportunity_id
        and todays_top_actions.action_order = 1
)

select * from final
