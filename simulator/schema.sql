-- The demo CRM: Salesforce-shaped objects with snake_case columns.
-- Every object carries system_modstamp (UTC), which the extract reads incrementally.
-- Columns prefixed ai_ are the only ones Momentum writes.
create schema if not exists crm;
create schema if not exists sim_truth;

-- The org's own settings, as Salesforce's Organization object carries them: the pipeline reads the
-- fiscal year from here (forecast quarters, label_slipped).
create table crm.organization (
    organization_id          text primary key,
    name                     text not null,
    fiscal_year_start_month  integer not null check (fiscal_year_start_month between 1 and 12),
    default_currency         text not null,
    system_modstamp          timestamptz not null
);

create table crm."user" (
    user_id          text primary key,
    name             text not null,
    email            text,
    role             text not null,          -- 'Account Executive' | 'Sales Manager'
    manager_id       text,
    team             text,
    segment          text,                   -- segment the rep sells to: SMB | MM | ENT
    timezone         text,
    is_active        boolean not null default true,
    created_date     timestamptz not null,
    system_modstamp  timestamptz not null
);

create table crm.account (
    account_id       text primary key,
    name             text not null,
    industry         text,
    segment          text,                   -- SMB | MM | ENT
    employees        integer,
    region           text,
    owner_id         text,
    created_date     timestamptz not null,
    system_modstamp  timestamptz not null
);

create table crm.contact (
    contact_id       text primary key,
    account_id       text,
    first_name       text,
    last_name        text,
    email            text,
    title            text,
    seniority        text,                   -- IC | Manager | Director | VP | C-Level
    department       text,
    timezone         text,
    created_date     timestamptz not null,
    system_modstamp  timestamptz not null
);

-- Stage metadata: the pipeline reads stage semantics from here, never from stage names.
create table crm.opportunity_stage (
    stage_name           text primary key,
    sort_order           integer not null,
    is_closed            boolean not null,
    is_won               boolean not null,
    default_probability  numeric(5, 2) not null,   -- percent, as in Salesforce
    forecast_category    text not null,            -- Pipeline | Best Case | Commit | Closed | Omitted
    system_modstamp      timestamptz not null
);

create table crm.opportunity (
    opportunity_id       text primary key,
    account_id           text,
    owner_id             text,
    name                 text not null,
    stage_name           text not null,
    amount               numeric(14, 2),
    close_date           date,
    probability          numeric(5, 2),
    forecast_category    text,
    next_step            text,
    type                 text,                -- New Business | Expansion | Renewal
    lead_source          text,
    loss_reason          text,
    is_closed            boolean not null default false,
    is_won               boolean not null default false,
    created_date         timestamptz not null,
    closed_date          date,
    system_modstamp      timestamptz not null,
    ai_win_probability   numeric(5, 4),
    ai_next_best_action  text,
    ai_model_version     text,
    ai_scored_at         timestamptz,
    -- Deal insights (issue 16); text fields of a CRM's usual 255-character limit.
    ai_slip_risk         numeric(5, 4),
    ai_top_reasons_for   varchar(255),
    ai_top_reasons_against varchar(255),
    -- Forecast adjustments (issue 17).
    ai_close_in_quarter_probability numeric(5, 4),
    ai_forecast_category varchar(40),
    ai_forecast_flag     varchar(255)
);

-- One row per change of stage, amount, close date or forecast category, holding
-- the values after the change (Salesforce's OpportunityHistory).
create table crm.opportunity_history (
    history_id           text primary key,
    opportunity_id       text not null,
    created_date         timestamptz not null,
    stage_name           text,
    amount               numeric(14, 2),
    close_date           date,
    probability          numeric(5, 2),
    forecast_category    text,
    system_modstamp      timestamptz not null
);

create table crm.opportunity_contact_role (
    opportunity_contact_role_id  text primary key,
    opportunity_id       text not null,
    contact_id           text not null,
    role                 text,                -- Economic Buyer | Champion | Decision Maker | Technical Buyer | Influencer
    is_primary           boolean not null default false,
    created_date         timestamptz not null,
    system_modstamp      timestamptz not null
);

-- Calls and emails (and Momentum's own TMVA tasks, recognisable by ai_external_id).
create table crm.task (
    task_id              text primary key,
    what_id              text,                -- opportunity
    who_id               text,                -- contact
    account_id           text,
    owner_id             text,
    subject              text,
    type                 text,                -- Call | Email | Other
    status               text not null,       -- Open | Completed | Dismissed | Expired (a TMVA Momentum withdrew)
    priority             text,
    activity_date        date,
    completed_at         timestamptz,
    call_disposition     text,                -- Connected | Left Voicemail | No Answer
    call_duration_seconds integer,
    description          text,
    created_date         timestamptz not null,
    system_modstamp      timestamptz not null,
    ai_external_id       text unique,
    ai_action_type       text,
    ai_context           text,
    ai_script            text,
    ai_recommended_at    timestamptz,
    ai_expected_impact_amount numeric(14, 2),
    ai_model_version     text
);

create table crm.event (
    event_id             text primary key,
    what_id              text,
    who_id               text,
    account_id           text,
    owner_id             text,
    subject              text,
    type                 text,                -- Meeting | Demo | Onsite
    start_at             timestamptz not null,
    end_at               timestamptz,
    description          text,
    created_date         timestamptz not null,
    system_modstamp      timestamptz not null
);

-- Each rep's weekly call for a fiscal quarter.
create table crm.forecast_submission (
    forecast_submission_id  text primary key,
    owner_id             text not null,
    fiscal_quarter       text not null,       -- e.g. 2026-Q3 (fiscal)
    submitted_date       date not null,
    commit_amount        numeric(14, 2),
    best_case_amount     numeric(14, 2),
    system_modstamp      timestamptz not null
);

-- Momentum's forecast per rep and team and fiscal quarter (a custom object in a real CRM: Salesforce's
-- Momentum_Forecast__c), written only by Momentum's reverse ETL (reverse_etl/mappings/momentum_forecast.yml).
create table crm.momentum_forecast (
    momentum_forecast_id text primary key,
    ai_external_id       text unique not null, -- momentum-forecast:<level>:<rep or team>:<fiscal quarter>
    owner_id             text,                -- the rep; for a team, its manager
    ai_forecast_level    text,                -- rep | team
    ai_team              text,
    ai_fiscal_quarter    text,
    ai_forecast          numeric(14, 0),
    ai_forecast_p10      numeric(14, 0),
    ai_forecast_p90      numeric(14, 0),
    ai_commit            numeric(14, 0),
    ai_best_case         numeric(14, 0),
    ai_minus_commit      numeric(14, 0),
    ai_as_of_date        date,
    ai_model_version     text,
    created_date         timestamptz not null,
    system_modstamp      timestamptz not null
);

-- The simulator's clock: the demo CRM's own "today". Not part of a real CRM.
create table sim_truth.clock (
    current_date_value   date not null
);

-- The demo CRM's own clock, as a real CRM stamps writes with its server's: Momentum's reverse ETL
-- stamps system_modstamp with crm.system_now() when a CRM defines it. The simulated org sits at the
-- start of the clock's day, so outside writes are stamped at that instant and every change the
-- simulator makes later that day sorts after them; with the wall clock instead, a write at 19:00
-- would lift the extract's watermark past the simulator's 15:00 changes and they would be skipped.
-- SECURITY DEFINER: the pipeline role may ask the time without reading sim_truth. With a fixed
-- search_path, or a now() the caller planted earlier on theirs would run with the owner's rights; the
-- owner is the role momentum_crm_clock, which may read the clock and nothing else (warehouse/roles.py).
create function crm.system_now() returns timestamptz
    language sql stable security definer
    set search_path = pg_catalog, pg_temp
    as $$ select coalesce((select current_date_value::timestamp at time zone 'UTC' from sim_truth.clock limit 1), now()) $$;

-- Truth the pipeline must never read: each open deal's true win probability per day, and outcomes.
-- For every deal open at the start of as_of_date (each Monday of the history, then every day advanced):
-- P(eventually Closed Won); P(Closed Won by the end of the fiscal quarter holding the deal's close date
-- as the CRM showed it then), and that quarter's last day (for a won deal the label_slipped truth is
-- 1 - true_p_win_in_quarter / true_p_win); and P(Closed Won by the end of the as-of date's own fiscal
-- quarter), what an oracle forecast of this quarter adds up.
create table sim_truth.deal_daily (
    opportunity_id       text not null,
    as_of_date           date not null,
    true_p_win           double precision not null,
    true_p_win_in_quarter double precision not null,
    quarter_end_date     date not null,
    true_p_win_this_quarter double precision not null,
    primary key (opportunity_id, as_of_date)
);

-- Each rep's hidden traits: how good the deals they source are (skill shifts deal quality), how often
-- they work a deal, and how they call their forecast (sandbagger / neutral / happy_ears).
create table sim_truth.rep_profile (
    user_id              text primary key,
    skill                double precision not null,
    activity_level       text not null,      -- low | medium | high
    forecast_style       text not null
);

-- What the simulator needs to continue (simulator.advance): how it was built, the id counters, and
-- each open deal's hidden state and tracked-field values. Closed deals never change, so they leave.
create table sim_truth.sim_state (
    seed                 bigint not null,
    history_start        date not null,
    config_json          text not null       -- the DemoConfig, as simulator.state writes it
);

create table sim_truth.id_counter (
    kind                 text primary key,   -- simulator.ids.PREFIXES key
    issued               bigint not null
);

create table sim_truth.deal_state (
    deal                 bigint primary key, -- 0-based deal number: opportunity id number - 1
    rep                  integer not null,   -- index into the org's reps
    account              integer not null,   -- index into the org's accounts
    segment              smallint not null,
    activity             smallint not null,
    quality              smallint not null,
    stage                smallint not null,
    buyer                smallint not null,
    champion             smallint not null,
    threads              smallint not null,
    next_step            smallint not null,
    warmth               smallint not null,
    stall                smallint not null,
    amount               double precision,   -- null: the rep never entered one
    close_date           date not null,
    category             smallint not null   -- code into the open forecast categories, weakest first
);

-- The true effect of each Momentum task a simulated rep completed: the hidden state before and after.
create table sim_truth.action_effects (
    task_id              text primary key,
    opportunity_id       text not null,
    action_type          text,
    completed_date       date not null,
    state_before         text not null,      -- STATE_COLUMNS=values, space separated
    state_after          text not null,
    true_p_win_before    double precision not null,
    true_p_win_after     double precision not null
);
