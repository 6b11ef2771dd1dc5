-- The two tables Python writes back into the warehouse, as dbt's sources expect them
-- (ml.deal_scores from ml scoring, actions.tmva_daily from the TMVA engine).
-- The owning packages create the real ones; tests create them here so dbt can build alone.
create schema if not exists ml;
create schema if not exists actions;

create table if not exists ml.deal_scores (
    opportunity_id       text not null,
    as_of_date           date not null,
    p_win                double precision not null,
    score_source         text not null,
    model_name           text,
    model_version        text,
    top_factors_for      text,
    top_factors_against  text,
    scored_at            timestamptz not null,
    p_slip               double precision,
    p_close_in_quarter   double precision,
    slip_model_version   text,
    factors_for          text,
    factors_against      text
);

create table if not exists actions.tmva_daily (
    tmva_id                 text not null,
    as_of_date              date not null,
    owner_id                text not null,
    opportunity_id          text not null,
    contact_id              text,
    play_id                 text not null,
    action_type             text not null,
    action_title            text not null,
    context                 text,
    script                  text,
    recommended_at          timestamptz,
    expected_impact_amount  numeric,
    rank                    integer not null,
    model_version           text
);
