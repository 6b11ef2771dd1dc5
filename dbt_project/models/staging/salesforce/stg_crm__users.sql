{% set raw_user = source('raw_salesforce', 'user') %}

with source as (
    select * from {{ raw_user }}
    -- Deleted in the org (the extract stamps _deleted_at): gone from every model built on today's CRM.
    where _deleted_at is null
),

deduped as (
    -- The extract appends changed rows; the latest SystemModstamp is the user's current state.
    {{ latest_row_per_key('source', 'left(id, 15)', 'systemmodstamp desc, _extracted_at desc') }}
),

role_rows as (
    {{ salesforce_optional_source('userrole', {'id': 'text', 'name': 'text', 'systemmodstamp': 'timestamptz'}) }}
),

roles as (
    select {{ salesforce_id('id') }} as role_id, {{ clean_text('name') }} as role_name
    from ({{ latest_row_per_key('role_rows', 'left(id, 15)', 'systemmodstamp desc, _extracted_at desc') }}) as latest_role
),

managers as (
    select distinct {{ salesforce_id('managerid') }} as manager_id
    from deduped
    where {{ salesforce_id('managerid') }} is not null
),

named as (
    select
        {{ salesforce_id('deduped.id') }} as user_id,
        {{ clean_text('deduped.name') }} as user_name,
        lower({{ clean_text('email') }}) as email,
        {{ clean_picklist('roles.role_name', ['Account Executive', 'Sales Manager']) }} as role_name,
        {{ salesforce_id('managerid') }} as manager_id,
        -- Salesforce has no sales-team field; the user's Department is the team.
        {{ clean_text('department') }} as team,
        {{ clean_picklist(salesforce_field(raw_user, 'Segment__c'), ['SMB', 'MM', 'ENT']) }} as segment,
        -- TimeZoneSidKey is an IANA zone name (America/New_York), as the contract wants.
        {{ valid_timezone('timezonesidkey') }} as timezone,
        isactive as is_active,
        createddate as created_at,
        systemmodstamp as system_modstamp,
        _extracted_at as extracted_at
    from deduped
    left join roles on roles.role_id = {{ salesforce_id('deduped.userroleid') }}
),

final as (
    select
        user_id,
        user_name,
        email,
        -- The role name when the org names its roles as the contract does. An org whose roles are named
        -- otherwise ('VP Sales', 'AE - East'), or a user with no role: a user who manages someone is a
        -- 'Sales Manager', else an 'Account Executive', the reporting lines being what the org keeps
        -- for sure (dim_reps reads is_manager from them too).
        case
            when role_name in ('Account Executive', 'Sales Manager') then role_name
            when user_id in (select manager_id from managers) then 'Sales Manager'
            else 'Account Executive'
        end as role,
        manager_id,
        team,
        segment,
        timezone,
        is_active,
        created_at,
        system_modstamp,
        extracted_at
    from named
)

select * from final
