{#
    HubSpot's API gives no weekly forecast submissions: no rows, and the forecast has no commit or
    best-case line.
#}
select
    cast(null as text) as forecast_submission_id,
    cast(null as text) as owner_id,
    cast(null as text) as fiscal_quarter,
    cast(null as date) as submitted_date,
    cast(null as numeric) as commit_amount,
    cast(null as numeric) as best_case_amount,
    cast(null as timestamptz) as system_modstamp,
    cast(null as timestamptz) as extracted_at
where false
