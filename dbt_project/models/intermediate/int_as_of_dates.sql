{#
    The snapshot date spine: every Monday of the last var('snapshot_weeks') weeks (52 -> one
    year) plus the as-of date itself, so training sees one row per open deal per week and
    scoring sees today. 53 rows with the defaults whatever the weekday of the as-of date.
#}
{%- set weeks = var('snapshot_weeks') | int -%}

with week_offsets as (
    {{ dbt.generate_series(weeks + 1) }}
),

mondays as (
    -- date_trunc('week') is Monday on Postgres (ISO weeks).
    select
        cast(
            {{ dbt.dateadd('week', '1 - generated_number', dbt.date_trunc('week', as_of_date())) }}
            as date
        ) as as_of_date
    from week_offsets
),

spine as (
    select as_of_date
    from mondays
    where as_of_date >= cast({{ dbt.dateadd('day', -7 * weeks, as_of_date()) }} as date)
    union
    select {{ as_of_date() }} as as_of_date
),

final as (
    select
        as_of_date,
        as_of_date = {{ as_of_date() }} as is_current
    from spine
)

select * from final
