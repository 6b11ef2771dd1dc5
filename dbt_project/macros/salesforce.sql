{#
    Helpers of the Salesforce staging folder (models/staging/salesforce/), which maps raw_salesforce onto
    the staging contract (models/staging/_crm__models.yml).
#}

{#
    A record id in the 15-character form Momentum keys by (crm/salesforce/ids.py): the API and most
    exports give 18 characters (the 15 plus a case checksum), an export or a report may give 15, and a
    record keyed by one form must join a reference in the other. Salesforce's empty reference
    ('000000000000000AAA', or '000000000000000') and blanks are null.
#}
{% macro salesforce_id(column) -%}
    case
        when {{ clean_text(column) }} in ('000000000000000AAA', '000000000000000') then null
        when length({{ clean_text(column) }}) = 18 then left({{ clean_text(column) }}, 15)
        else {{ clean_text(column) }}
    end
{%- endmacro %}

{#
    A polymorphic reference (Task.WhatId, Event.WhatId) kept only when it points at records of one object,
    told by the id's 3-character key prefix ('006' = Opportunity): a task logged on an account or a case
    is no deal's activity.
#}
{% macro salesforce_id_of(column, key_prefix) -%}
    case when left({{ clean_text(column) }}, 3) = '{{ key_prefix }}' then {{ salesforce_id(column) }} end
{%- endmacro %}

{#
    A field an org may not have (the custom fields Momentum suggests: Segment__c, Region__c, Seniority__c,
    Time_Zone__c, Loss_Reason__c, AI_*__c; or one hidden by field-level security): the raw column when the
    raw table has it, else a typed null, so an org without it still builds and the contract column is
    empty. `relation` is the raw table (source('raw_salesforce', ...)).
#}
{% macro salesforce_field(relation, field, data_type='text') -%}
    {%- set found = [] -%}
    {%- if execute -%}
        {%- for column in adapter.get_columns_in_relation(relation) -%}
            {%- if column.name | lower == field | lower -%}{%- do found.append(column.name) -%}{%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {%- if found -%}
        {{ found[0] }}
    {%- else -%}
        cast(null as {{ data_type }})
    {%- endif -%}
{%- endmacro %}

{#
    The rows of an optional object (Organization, UserRole, Forecast_Submission__c: an org or an export
    may lack it, and the extract then lands no table, extract/load.py): the raw table when it exists,
    else no rows with the columns the model reads (`columns`: name -> type) and the extract's own.
#}
{% macro salesforce_optional_source(table, columns) -%}
    {%- set relation = source('raw_salesforce', table) -%}
    {%- set present = adapter.get_relation(relation.database, relation.schema, relation.identifier) if execute else relation -%}
    {%- if present is not none -%}
        select * from {{ relation }}
    {%- else -%}
        select
            {%- for name, data_type in columns.items() %}
            cast(null as {{ data_type }}) as {{ name }},
            {%- endfor %}
            cast(null as timestamptz) as _extracted_at,
            cast(null as timestamptz) as _deleted_at,
            cast(null as text) as _newer_version_rejected
        where false
    {%- endif -%}
{%- endmacro %}

{#
    OpportunityHistory.ForecastCategory holds the picklist's API value (Pipeline, BestCase, Forecast,
    Closed, Omitted); the contract uses the labels (Opportunity.ForecastCategoryName's spelling):
    BestCase -> Best Case, Forecast -> Commit. Other values are cleaned as any picklist, so a new one shows.
#}
{% macro salesforce_forecast_category(column) -%}
    case lower(trim({{ column }}))
        when 'bestcase' then 'Best Case'
        when 'forecast' then 'Commit'
        else {{ clean_picklist(column, ['Pipeline', 'Best Case', 'Commit', 'Closed', 'Omitted']) }}
    end
{%- endmacro %}
