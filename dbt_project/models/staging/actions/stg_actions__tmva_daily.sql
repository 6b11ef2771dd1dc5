with source as (
    select * from {{ source('actions', 'tmva_daily') }}
),

final as (
    select
        tmva_id,
        as_of_date,
        owner_id,
        opportunity_id,
        contact_id,
        play_id,
        lower(trim(action_type)) as action_type,
        action_title,
        context,
        script,
        recommended_at,
        expected_impact_amount,
        rank as action_rank,
        model_version
    from source
)

select * from final
