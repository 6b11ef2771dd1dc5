{#
    How often a call connects, by the contact's seniority and the contact's local hour of the
    call: the TMVA timing picks the best hour from here. All completed calls with a recorded
    outcome count, Momentum's own call tasks included: they are real calls, and a rate (not a
    volume) is not biased by calling more at the recommended hour. Calls to contacts with no
    valid time zone are left out, since their local hour is unknown.

    Over the calls of the last var('connect_rate_window_days') = 365 days: a year holds every
    season once and follows the contacts a team calls now, and the model's cost stays that of a
    year as history grows (over 3 years at the large preset it converted 2.3M call times to local
    time on every run, 8 s, measured 2026-12-01).
#}
with calls as (
    select * from {{ ref('stg_crm__tasks') }}
    where is_call
        and is_completed
        and call_disposition is not null
        and completed_at is not null
        and {{ utc_date('completed_at') }} < {{ as_of_date() }}
        and {{ utc_date('completed_at') }}
            >= {{ dbt.dateadd('day', -var('connect_rate_window_days'), as_of_date()) }}
),

contacts as (
    select * from {{ ref('stg_crm__contacts') }}
    where timezone is not null
),

localised as (
    select
        coalesce(contacts.seniority, 'Unknown') as seniority,
        cast(extract(hour from timezone(contacts.timezone, calls.completed_at)) as integer)
            as contact_local_hour,
        calls.is_connected_call
    from calls
    inner join contacts on calls.contact_id = contacts.contact_id
),

final as (
    select
        seniority,
        contact_local_hour,
        count(*) as call_count,
        sum(case when is_connected_call then 1 else 0 end) as connected_call_count,
        cast(avg(case when is_connected_call then 1.0 else 0.0 end) as {{ dbt.type_float() }}) as connect_rate
    from localised
    group by seniority, contact_local_hour
)

select * from final
