{#
    The snapshot date spine: every Monday of the last var('snapshot_weeks') weeks (52 -> one
    year) plus the as-of date itself, so training sees one row per open deal per week and
    scoring sees today; and before that year, one Monday in four back to
    var('training_history_weeks') weeks (156 -> three years), for training only (is_weekly false).

    Why the older, sparser dates: a model learns from deals whose outcome is known, and a year of
    snapshots holds about half a year of closed deals on the fit side. On the demo preset, with the
    same quarter-long split (ml/data/splits.py), the slip model, which learns from won deals only, went
    from holdout AUC 0.821 with 52 weekly Mondays to 0.885 with three years at one Monday in four
    (measured 2026-12-01). A quarter of the Mondays costs a quarter of the rows, and the deals, not
    their weekly rows, carry what is learned.
    Which Mondays are kept is fixed by the calendar (every 28 days from Monday 1970-01-05), not by
    the as-of date: a kept date stays kept as it ages, so incremental runs never rebuild old dates.
#}
{%- set weeks = var('snapshot_weeks') | int -%}
{%- set history_weeks = [var('training_history_weeks') | int, weeks] | max -%}
{%- set weekly_from = "cast(" ~ dbt.dateadd('day', -7 * weeks, as_of_date()) ~ " as date)" -%}
{%- set history_from = "cast(" ~ dbt.dateadd('day', -7 * history_weeks, as_of_date()) ~ " as date)" -%}

with week_offsets as (
    {{ dbt.generate_series(history_weeks + 1) }}
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
    select as_of_date, true as is_weekly
    from mondays
    where as_of_date >= {{ weekly_from }}
    union
    select as_of_date, false as is_weekly
    from mondays
    where as_of_date < {{ weekly_from }} and as_of_date >= {{ history_from }}
        and mod({{ dbt.datediff("cast('1970-01-05' as date)", 'as_of_date', 'day') }}, 28) = 0
    union
    select {{ as_of_date() }} as as_of_date, true as is_weekly
),

final as (
    select
        as_of_date,
        as_of_date = {{ as_of_date() }} as is_current,
        is_weekly
    from spine
)

select * from final
