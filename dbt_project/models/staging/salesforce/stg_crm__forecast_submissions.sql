with source as (
    -- A custom object (Forecast_Submission__c): an org without it gets no rows, and the forecast
    -- no commit or best-case line.
    {{ salesforce_optional_source('forecast_submission__c', {
        'id': 'text', 'ownerid': 'text', 'fiscal_quarter__c': 'text', 'submitted_date__c': 'date',
        'commit_amount__c': 'numeric', 'best_case_amount__c': 'numeric', 'systemmodstamp': 'timestamptz',
    }) }}
),

current_rows as (
    -- Deleted in the org (the extract stamps _deleted_at): gone from every model built on today's CRM.
    select * from source where _deleted_at is null
),

deduped as (
    {{ latest_row_per_key('current_rows', 'left(id, 15)', 'systemmodstamp desc, _extracted_at desc') }}
),

final as (
    select
        {{ salesforce_id('id') }} as forecast_submission_id,
        {{ salesforce_id('ownerid') }} as owner_id,
        -- e.g. '2026-q3 ' -> '2026-Q3'
        upper({{ clean_text('fiscal_quarter__c') }}) as fiscal_quarter,
        submitted_date__c as submitted_date,
        commit_amount__c as commit_amount,
        best_case_amount__c as best_case_amount,
        systemmodstamp as system_modstamp,
        _extracted_at as extracted_at
    from deduped
)

select * from final
