{#
    The forecast calendar: each weekly snapshot date (int_as_of_dates: Mondays of the last year
    plus today; not the older training dates) with the fiscal quarter it falls in and its week of that quarter (1 = the quarter's
    first 7 days), so every week's call can later be compared with the quarter's actual.
#}
with as_of_dates as (
    select * from {{ ref('int_as_of_dates') }}
    where is_weekly
),

final as (
    select
        as_of_date,
        is_current,
        {{ fiscal_quarter_label('as_of_date') }} as fiscal_quarter,
        {{ fiscal_quarter_start('as_of_date') }} as fiscal_quarter_start_date,
        {{ fiscal_quarter_end('as_of_date') }} as fiscal_quarter_end_date,
        cast({{ dbt.datediff(fiscal_quarter_start('as_of_date'), 'as_of_date', 'day') }} / 7 + 1 as integer)
            as week_of_quarter
    from as_of_dates
)

select * from final
