{#
    What became of each TMVA Momentum issued (leadership's dashboard, Execution): every distinct piece of advice
    (tmva_id, stable for a rep, deal and play) with the day it was first issued and the status of its CRM task
    (Open, Completed, Dismissed, or Expired once it left the rep's top 3), or 'not yet read back': the CRM task
    Momentum wrote this morning is read by the next morning's extract. Lift is not measured here: it needs a
    comparison group the playbook does not keep yet.
#}
with issued as (
    select
        tmva_id,
        min(as_of_date) as first_issued_date,
        max(as_of_date) as last_issued_date,
        count(*) as days_issued,
        min(owner_id) as owner_id,
        min(opportunity_id) as opportunity_id,
        min(play_id) as play_id,
        min(action_type) as action_type,
        max(expected_impact_amount) as expected_impact_amount
    from {{ ref('stg_actions__tmva_daily') }}
    group by tmva_id
),

tasks as (
    select ai_external_id, task_status
    from {{ ref('stg_crm__tasks') }}
    where is_momentum_task
),

reps as (
    select * from {{ ref('dim_reps') }}
),

final as (
    select
        issued.tmva_id,
        issued.first_issued_date,
        {{ fiscal_quarter_label('issued.first_issued_date') }} as fiscal_quarter,
        issued.last_issued_date,
        issued.days_issued,
        issued.owner_id,
        reps.rep_name,
        coalesce(reps.team, '(no team)') as team,
        reps.segment,
        issued.opportunity_id,
        issued.play_id,
        issued.action_type,
        issued.expected_impact_amount,
        coalesce(tasks.task_status, 'not yet read back') as task_status
    from issued
    left join tasks on issued.tmva_id = tasks.ai_external_id
    left join reps on issued.owner_id = reps.user_id
)

select * from final
