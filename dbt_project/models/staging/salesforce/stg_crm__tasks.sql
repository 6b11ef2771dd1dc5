{#
    Tasks, cleaned: incremental on the extract's _extracted_at, as staging/demo/stg_crm__tasks.sql
    says why.
#}
{{
    config(
        materialized='incremental',
        unique_key='task_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        indexes=[{'columns': ['task_id'], 'unique': True}, {'columns': ['extracted_at']}],
        post_hook="{{ analyze_table() }}",
    )
}}

{% set raw_task = source('raw_salesforce', 'task') %}

with source as (
    select * from {{ raw_task }}
    {%- if is_incremental() %}
    where {{ extracted_since_last_run('_extracted_at') }}
    {%- endif %}
),

deduped as (
    {{ latest_row_per_key('source', 'left(id, 15)', 'systemmodstamp desc, _extracted_at desc') }}
),

cleaned as (
    select
        {{ salesforce_id('id') }} as task_id,
        -- WhatId may name an account, a case or a campaign too: only an opportunity's ('006') is a deal's.
        {{ salesforce_id_of('whatid', '006') }} as opportunity_id,
        -- WhoId names a contact ('003') or a lead ('00Q'): only contacts are in the contract.
        {{ salesforce_id_of('whoid', '003') }} as contact_id,
        {{ salesforce_id('accountid') }} as account_id,
        {{ salesforce_id('ownerid') }} as owner_id,
        {{ clean_text('subject') }} as subject,
        {{ clean_picklist('type', ['Call', 'Email', 'Other']) }} as task_type,
        {{ clean_picklist('status', ['Open', 'Completed', 'Dismissed', 'Expired']) }} as task_status,
        {{ clean_picklist('priority', ['High', 'Normal', 'Low']) }} as priority,
        activitydate as activity_date,
        completeddatetime as completed_at,
        {{ clean_picklist('calldisposition', ['Connected', 'Left Voicemail', 'No Answer']) }}
            as call_disposition,
        calldurationinseconds as call_duration_seconds,
        {{ clean_text('description') }} as description,
        createddate as created_at,
        systemmodstamp as system_modstamp,
        -- Momentum's own fields (reverse_etl/allow_list.yml): null in an org that has not created them yet.
        {{ salesforce_field(raw_task, 'AI_External_Id__c') }} as ai_external_id,
        {{ salesforce_field(raw_task, 'AI_Action_Type__c') }} as ai_action_type,
        {{ salesforce_field(raw_task, 'AI_Context__c') }} as ai_context,
        {{ salesforce_field(raw_task, 'AI_Script__c') }} as ai_script,
        {{ salesforce_field(raw_task, 'AI_Recommended_At__c', 'timestamptz') }} as ai_recommended_at,
        {{ salesforce_field(raw_task, 'AI_Expected_Impact_Amount__c', 'numeric') }} as ai_expected_impact_amount,
        {{ salesforce_field(raw_task, 'AI_Model_Version__c') }} as ai_model_version,
        _extracted_at as extracted_at
    from deduped
),

final as (
    select
        *,
        {{ task_flags() }}
    from cleaned
)

select * from final
