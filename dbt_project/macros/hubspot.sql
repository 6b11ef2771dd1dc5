{#
    HubSpot's differences from the staging contract, kept here so they end in the HubSpot folder
    (models/staging/hubspot/).
#}

{#
    A property a portal may not have (the custom properties Momentum suggests: segment, region, seniority,
    time_zone, lead_source, ai_*; or one the token cannot read): the raw column, else a typed null.
#}
{% macro hubspot_property(relation, name, data_type='text') -%}
    {{ salesforce_field(relation, name, data_type) }}
{%- endmacro %}

{#
    hs_forecast_category's internal values (PIPELINE, BEST_CASE, COMMIT, CLOSED, OMIT) as the contract's labels.
#}
{% macro hubspot_forecast_category(column) -%}
    case upper(trim({{ column }}))
        when 'PIPELINE' then 'Pipeline'
        when 'BEST_CASE' then 'Best Case'
        when 'COMMIT' then 'Commit'
        when 'CLOSED' then 'Closed'
        when 'OMIT' then 'Omitted'
    end
{%- endmacro %}

{#
    The deal stages, one row per stage id, with what each means: a stage is closed when its pipeline metadata
    says isClosed, and won when it is closed at probability 1 (HubSpot has no won flag: its Closed Won stages
    are the closed ones at 100%). Stage names are the labels; a label two pipelines share is prefixed with
    its pipeline's, so each name is one stage.
#}
{% macro hubspot_stages() -%}
    select
        id as stage_id,
        case when count(*) over (partition by trim(label)) > 1 then trim(pipeline_label) || ': ' else '' end
            || trim(label) as stage_name,
        displayorder as sort_order,
        isclosed as is_closed,
        coalesce(isclosed and probability = 1, false) as is_won,
        probability,
        updatedat,
        _extracted_at
    from (
        {{ latest_row_per_key(source('raw_hubspot', 'deal_stage'), 'id', 'updatedat desc, _extracted_at desc') }}
    ) as latest
    where not coalesce(archived, false)
{%- endmacro %}

{#
    The deals the portal still holds, latest version each: for the association and history rows, which
    HubSpot keeps per deal and which leave with it.
#}
{% macro hubspot_live_deals() -%}
    select id, createdate, hs_lastmodifieddate
    from (
        {{ latest_row_per_key(source('raw_hubspot', 'deal'), 'id', 'hs_lastmodifieddate desc, _extracted_at desc') }}
    ) as latest
    where _deleted_at is null
{%- endmacro %}

{#
    HubSpot's built-in call outcomes (hs_call_disposition holds a GUID) as the contract's dispositions.
#}
{% macro hubspot_call_outcome(column) -%}
    case {{ column }}
        when 'f240bbac-87c9-4f6e-bf70-924b57d47db7' then 'Connected'
        when 'b2cf5968-551e-4856-9783-52b3da59a7d0' then 'Left Voicemail'
        when '73a0d17f-1163-4015-bdd5-ec830791da20' then 'No Answer'
    end
{%- endmacro %}
