{#
    The flags every source's stg_crm__tasks derives from its cleaned columns (task_status, task_type,
    call_disposition, ai_external_id), defined once so the staging contract means the same for every CRM.
#}
{% macro task_flags() %}
        -- Momentum's own TMVA tasks: a recommendation, not past activity. Activity features
        -- must exclude them or the model would learn from its own advice.
        ai_external_id is not null as is_momentum_task,
        coalesce(task_status = 'Completed', false) as is_completed,
        coalesce(task_type = 'Call', false) as is_call,
        coalesce(task_type = 'Email', false) as is_email,
        coalesce(call_disposition = 'Connected', false) as is_connected_call
{% endmacro %}

{#
    The flags every source's stg_crm__opportunity_contact_roles derives from its cleaned contact_role.
#}
{% macro contact_role_flags() %}
        -- The two roles the sales process cares about, named once here so no downstream model
        -- compares role strings.
        coalesce(contact_role = 'Economic Buyer', false) as is_economic_buyer,
        coalesce(contact_role = 'Champion', false) as is_champion
{% endmacro %}
