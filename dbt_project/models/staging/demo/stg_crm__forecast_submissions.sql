with source as (
    select * from {{ source('raw_crm', 'forecast_submission') }}
    -- Deleted in the CRM (the extract stamps _deleted_at): gone from every model built on today's CRM.
    where _deleted_at is null
),

deduped as (
    {{ latest_row_per_key('source', 'forecast_submission_id', 'system_modstamp desc, _extracted_at desc') }}
),

final as (
    select
        forecast_submission_id,
        owner_id,
        -- e.g. '2026-q3 ' -> '2026-Q3'
        upper({{ clean_text('fiscal_quarter') }}) as fiscal_quarter,
        submitted_date,
        commit_amount,
        best_case_amount,
        system_modstamp,
        _extracted_at as extracted_at
    from deduped
)

select * from final
