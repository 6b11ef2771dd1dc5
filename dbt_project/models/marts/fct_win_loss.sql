{#
    One row per closed deal (won or lost, closed before the as-of date): the outcome with what explains it, for win/loss
    analysis by segment, lead source, furthest open stage reached, cycle length and loss
    reason. Won/lost and stage order come from the stage table, never from stage names.
#}
with opportunities as (
    select * from {{ ref('stg_crm__opportunities') }}
),

stages as (
    select * from {{ ref('stg_crm__opportunity_stages') }}
),

accounts as (
    select * from {{ ref('stg_crm__accounts') }}
),

users as (
    select * from {{ ref('stg_crm__users') }}
),

latest_versions as (
    -- A deal's current version carries its running facts over all of its history: the pushes, and
    -- the furthest OPEN stage reached (a lost deal's last open stage is where it died).
    select opportunity_id, close_date_push_count, furthest_open_stage_sort_order
    from {{ ref('int_opportunity_history_versioned') }}
    where valid_to_date is null
),

open_stage_names as (
    -- The name of each open stage position; should two stages share a sort order, the first name.
    select sort_order, min(stage_name) as stage_name
    from stages
    where not is_closed
    group by sort_order
),

final as (
    select
        opportunities.opportunity_id,
        opportunities.owner_id,
        opportunities.account_id,
        coalesce(accounts.segment, users.segment) as segment,
        opportunities.opportunity_type,
        opportunities.lead_source,
        case when stages.is_won then 'won' else 'lost' end as outcome,
        stages.is_won,
        opportunities.amount,
        {{ utc_date('opportunities.created_at') }} as created_date,
        opportunities.closed_date,
        {{ fiscal_quarter_label('opportunities.closed_date') }} as closed_fiscal_quarter,
        {{ dbt.datediff(utc_date('opportunities.created_at'), 'opportunities.closed_date', 'day') }}
            as cycle_length_days,
        open_stage_names.stage_name as furthest_stage_name,
        latest_versions.furthest_open_stage_sort_order as furthest_stage_sort_order,
        coalesce(latest_versions.close_date_push_count, 0) as close_date_push_count,
        case when not stages.is_won then opportunities.loss_reason end as loss_reason
    from opportunities
    inner join stages on opportunities.stage_name = stages.stage_name
    left join accounts on opportunities.account_id = accounts.account_id
    left join users on opportunities.owner_id = users.user_id
    left join latest_versions on opportunities.opportunity_id = latest_versions.opportunity_id
    left join open_stage_names on latest_versions.furthest_open_stage_sort_order = open_stage_names.sort_order
    where stages.is_closed and opportunities.closed_date < {{ as_of_date() }}
)

select * from final
