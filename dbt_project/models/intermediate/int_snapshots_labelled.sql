{#
    The two labels of every deal snapshot, defined once here (docs/ARCHITECTURE.md, "As-of dates and labels") and read
    by training through fct_deal_snapshots. Both come from the deal's FINAL state, through the
    stage table; they are the only facts from after the as-of date in the snapshot mart.

    label_won:     1 closed won, 0 closed lost, null while still open.
    label_slipped: for deals finally won, 1 when the win came after the end of the fiscal
                   quarter that held the close date on the as-of date, else 0; null otherwise.

    A view: labels are the one part of an old snapshot that changes (a deal closes months after
    its snapshots), so every run needs them for every row anyway (fct_deal_snapshots' label
    refresh), and a table would rewrite 1.8M rows a day at the large preset to change a few.
#}
{{ config(materialized='view') }}
with snapshots as (
    select opportunity_id, as_of_date, close_date from {{ ref('int_opportunities_spined_weekly') }}
),

outcomes as (
    {{ deal_outcomes(ref('stg_crm__opportunities'), ref('stg_crm__opportunity_stages')) }}
),

final as (
    select
        snapshots.opportunity_id,
        snapshots.as_of_date,
        outcomes.label_won,
        {{ label_slipped('outcomes.label_won', 'outcomes.closed_date', 'snapshots.close_date') }} as label_slipped
    from snapshots
    left join outcomes on snapshots.opportunity_id = outcomes.opportunity_id
)

select * from final
