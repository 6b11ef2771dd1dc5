{#
    Week-over-week pipeline movement per rep (leadership's dashboard, Pipeline health): fct_pipeline_changes
    counted by period end, rep, segment and change type (new, advanced, pushed, shrunk, lost, ...), with the
    amount each kind of change added to or took from the open pipeline.
#}
with changes as (
    select * from {{ ref('fct_pipeline_changes') }}
),

reps as (
    select * from {{ ref('dim_reps') }}
),

final as (
    select
        changes.as_of_date,
        {{ fiscal_quarter_label('changes.as_of_date') }} as fiscal_quarter,
        changes.owner_id,
        reps.rep_name,
        coalesce(reps.team, '(no team)') as team,
        changes.segment,
        changes.change_type,
        count(*) as deal_count,
        coalesce(sum(changes.amount_change), 0) as amount_change
    from changes
    left join reps on changes.owner_id = reps.user_id
    group by 1, 2, 3, 4, 5, 6, 7
)

select * from final
