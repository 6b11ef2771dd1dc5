"""Synthetic marts.fct_deal_snapshots and marts.ml_open_deals__features for the ml tests.

Each deal has a hidden quality z; its outcome is drawn from sigmoid(1.6 z - 0.4) and its weekly features
are noisy signals of z (activity, multi-threading, economic buyer, close-date pushes, stage progress), so a
model can learn the label from the features and beat the stage probability, as on real CRM data.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd
import psycopg

TODAY = date(2026, 11, 23)  # a Monday: the weekly snapshot and today's coincide
STAGE_PROBABILITY = np.array([0.10, 0.20, 0.40, 0.60, 0.80])
SNAPSHOT_DDL = """
create schema if not exists marts;
create table marts.fct_deal_snapshots (
    opportunity_id text, as_of_date date, is_current boolean, owner_id text, account_id text, segment text,
    stage_name text, stage_sort_order integer, stage_default_probability double precision,
    forecast_category text, amount numeric(14, 2), close_date date, days_in_stage integer,
    deal_age_days integer, days_to_close integer, is_close_date_past boolean, close_date_push_count integer,
    activities_7d integer, activities_30d integer, calls_30d integer, emails_30d integer, meetings_30d integer,
    connected_calls_30d integer, days_since_last_activity integer, contacts_engaged_90d integer,
    has_economic_buyer boolean, has_champion boolean, contact_role_count integer, has_next_step boolean,
    rep_trailing_win_rate double precision, label_won integer, label_slipped integer,
    stage_progress double precision, days_to_close_quarter_end integer, days_left_in_quarter integer,
    is_close_date_in_current_quarter boolean, calls_total integer, emails_total integer, meetings_total integer,
    two_way_touches_total integer, two_way_touch_share double precision, days_since_last_two_way_touch integer,
    opportunity_type text, lead_source text, call_connect_rate double precision, touches_per_week double precision,
    rep_avg_activities_30d double precision, close_date_days_pushed integer, days_since_stage_firm_up integer,
    senior_contacts_engaged_90d integer, days_since_last_meeting integer, risk_notes_90d integer,
    commitment_notes_90d integer, account_employee_count integer, account_prior_won_deals integer,
    days_in_stage_vs_segment double precision, activities_90d integer, crm_probability double precision
);
-- Each closed deal closes a few days after its last snapshot, as in the CRM (the backtest and the pull-in
-- model read the deals' closed dates).
create schema if not exists staging;
create table staging.stg_crm__opportunities (opportunity_id text, closed_date date);
create table marts.ml_open_deals__features as
select s.*, 'Deal ' || s.opportunity_id as opportunity_name, 'Account ' || s.account_id as account_name,
       'Rep ' || s.owner_id as owner_name
from marts.fct_deal_snapshots s where false;
"""


@dataclass(frozen=True)
class SyntheticMarts:
    snapshots: int
    open_deals: int
    won_deals: int
    lost_deals: int


def build_synthetic_marts(
    warehouse_url: str, *, deals: int, weeks: int = 70, seed: int = 7
) -> SyntheticMarts:
    """Create both tables and fill them: `deals` deals created over `weeks` weeks before TODAY."""
    frame = synthetic_snapshots(deals=deals, weeks=weeks, seed=seed)
    with psycopg.connect(warehouse_url) as conn:
        conn.execute(SNAPSHOT_DDL)
        _copy(conn, "marts.fct_deal_snapshots", frame)
        conn.execute(
            "insert into marts.ml_open_deals__features select s.*, 'Deal ' || opportunity_id, 'Account ' || account_id,"
            " 'Rep ' || owner_id from marts.fct_deal_snapshots s where is_current"
        )
        conn.execute(
            "insert into staging.stg_crm__opportunities select opportunity_id,"
            " case when bool_or(label_won is not null) then max(as_of_date) + 3 end"
            " from marts.fct_deal_snapshots group by opportunity_id"
        )
    labels = frame.groupby("opportunity_id")["label_won"].first()
    return SyntheticMarts(
        snapshots=len(frame),
        open_deals=int(frame["is_current"].sum()),
        won_deals=int((labels == 1).sum()),
        lost_deals=int((labels == 0).sum()),
    )


def synthetic_snapshots(*, deals: int, weeks: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    z = rng.normal(size=deals)
    won = rng.random(deals) < 1 / (1 + np.exp(-(1.6 * z - 0.4)))
    created = rng.integers(0, weeks, deals)
    lifetime = rng.integers(2, 14, deals) + np.where(z < 0, 3, 0)  # bad deals linger before they are lost
    planned = np.maximum(1, lifetime - rng.integers(0, 5, deals))  # reps set optimistic close dates
    deal_index = np.repeat(np.arange(deals), lifetime)
    week = created[deal_index] + np.concatenate([np.arange(n) for n in lifetime])
    keep = week <= weeks  # week == weeks is TODAY; later weeks have not happened yet
    deal_index, week = deal_index[keep], week[keep]
    age_weeks = week - created[deal_index]
    is_open = created + lifetime > weeks
    n, zi = len(deal_index), z[deal_index]
    progress = age_weeks / lifetime[deal_index]
    stage = np.clip(1 + np.floor(progress * 5 * (0.55 + 0.45 / (1 + np.exp(-zi)))), 1, 5).astype(int)
    first_monday = TODAY - timedelta(weeks=weeks)
    as_of = np.array([first_monday + timedelta(weeks=int(w)) for w in week])
    weeks_to_close = planned[deal_index] - age_weeks
    pushes = np.maximum(0, -weeks_to_close) // 2 + rng.poisson(np.where(zi < 0, 0.6, 0.1))
    activity_rate = np.exp(0.6 + 0.5 * zi)
    activities_7d = rng.poisson(activity_rate)
    calls, emails, meetings = (rng.poisson(activity_rate * share) for share in (1.5, 2.0, 0.6))
    since_last = rng.geometric(np.minimum(1.0, 1 / np.exp(1.6 - 0.7 * zi))).astype(float) - 1
    since_last[rng.random(n) < 0.02] = np.nan
    has_eb = rng.random(n) < 1 / (1 + np.exp(-(1.2 * zi + 2 * progress - 1.2)))
    has_champion = rng.random(n) < 1 / (1 + np.exp(-0.9 * zi))
    segment = np.array(["SMB", "MM", "ENT"])[rng.choice(3, deals, p=[0.5, 0.3, 0.2])][deal_index]
    amount = np.round(rng.lognormal(10 + (segment == "MM") + 2 * (segment == "ENT"), 0.6), 2)
    amount[rng.random(n) < 0.03] = np.nan
    owner = rng.integers(0, 12, deals)[deal_index]
    rep_rate = np.where(rng.random(n) < 0.1, np.nan, 0.25 + 0.03 * (owner % 5))
    label = np.where(is_open[deal_index], np.nan, won[deal_index].astype(float))
    # Slip (won deals only): likelier when the close date is near or past and has been pushed. A separate
    # generator, so adding the label left every other column of the history unchanged.
    slip_rng = np.random.default_rng(seed + 1)
    slip_logit = -0.6 + 1.2 * (weeks_to_close < 2) + 0.5 * np.minimum(pushes, 3) - 0.5 * zi
    slipped = slip_rng.random(n) < 1 / (1 + np.exp(-slip_logit))
    label_slipped = np.where(label == 1, slipped.astype(float), np.nan)
    # Lifetime engagement and the quarter clock, from their own generator for the same reason.
    life_rng = np.random.default_rng(seed + 2)
    touches = life_rng.poisson(activity_rate * (1 + age_weeks) * 2)
    two_way = life_rng.binomial(touches, 1 / (1 + np.exp(-(0.8 * zi - 0.8))))
    meetings_total = life_rng.binomial(two_way, 0.4)
    days_left = life_rng.integers(0, 91, n)
    to_quarter_end = weeks_to_close * 7 + life_rng.integers(0, 91, n)
    # The features added later: their own generator again, weak signals of z.
    late_rng = np.random.default_rng(seed + 3)
    days_in_stage = rng.integers(0, 21, n) + np.where(zi < 0, 14, 0)
    since_meeting = late_rng.geometric(1 / np.exp(3.0 - 0.5 * zi)).astype(float)
    since_meeting[late_rng.random(n) < 0.2] = np.nan  # no meeting yet
    # The CRM's probability field: the stage's default, typed over by the rep on a third of the rows with a
    # guess that half follows the deal; unset on a few. Its own generator, as above.
    typed_rng = np.random.default_rng(seed + 4)
    typed = np.clip(STAGE_PROBABILITY[stage - 1] + 0.1 * zi + typed_rng.normal(0, 0.1, n), 0.05, 0.95).round(
        2
    )
    crm_probability = np.where(typed_rng.random(n) < 1 / 3, typed, STAGE_PROBABILITY[stage - 1])
    crm_probability[typed_rng.random(n) < 0.02] = np.nan
    return pd.DataFrame(
        {
            "opportunity_id": [f"006{i:06d}" for i in deal_index],
            "as_of_date": as_of,
            "is_current": is_open[deal_index] & (week == weeks),
            "owner_id": [f"005{o:04d}" for o in owner],
            "account_id": [f"001{i:06d}" for i in deal_index],
            "segment": segment,
            "stage_name": np.array(["Discovery", "Qualification", "Solution", "Proposal", "Negotiation"])[
                stage - 1
            ],
            "stage_sort_order": stage,
            "stage_default_probability": STAGE_PROBABILITY[stage - 1],
            "forecast_category": np.array(["Pipeline", "Pipeline", "Best Case", "Best Case", "Commit"])[
                stage - 1
            ],
            "amount": amount,
            "close_date": [d + timedelta(weeks=int(w)) for d, w in zip(as_of, weeks_to_close, strict=True)],
            "days_in_stage": days_in_stage,
            "deal_age_days": age_weeks * 7 + rng.integers(0, 7, n),
            "days_to_close": weeks_to_close * 7,
            "is_close_date_past": weeks_to_close < 0,
            "close_date_push_count": pushes,
            "activities_7d": activities_7d,
            "activities_30d": activities_7d + calls + emails + meetings,
            "calls_30d": calls,
            "emails_30d": emails,
            "meetings_30d": meetings,
            "connected_calls_30d": rng.binomial(calls, 0.35),
            "days_since_last_activity": pd.array(since_last, dtype="Int64"),
            "contacts_engaged_90d": rng.poisson(np.exp(0.4 + 0.4 * zi)),
            "has_economic_buyer": has_eb,
            "has_champion": has_champion,
            "contact_role_count": has_eb.astype(int) + has_champion.astype(int) + rng.poisson(1.0, n),
            "has_next_step": np.where(week == weeks, rng.random(n) < 0.6, None),
            "rep_trailing_win_rate": rep_rate,
            "label_won": pd.array(label, dtype="Int64"),
            "label_slipped": pd.array(label_slipped, dtype="Int64"),
            "stage_progress": (stage - 1) / 4,
            "days_to_close_quarter_end": to_quarter_end,
            "days_left_in_quarter": days_left,
            "is_close_date_in_current_quarter": to_quarter_end == days_left,
            "calls_total": touches - meetings_total - (touches - two_way) // 2,
            "emails_total": (touches - two_way) // 2,
            "meetings_total": meetings_total,
            "two_way_touches_total": two_way,
            "two_way_touch_share": np.where(touches > 0, two_way / np.maximum(touches, 1), np.nan),
            "days_since_last_two_way_touch": life_rng.geometric(1 / np.exp(2.0 - 0.6 * zi)) - 1,
            "opportunity_type": np.array(["New Business", "Expansion", "Renewal"])[life_rng.choice(3, n)],
            # As typed by hand: the model must see " inbound" and "Inbound" as one lead source.
            "lead_source": np.array(["Inbound", " inbound", "Outbound", "Referral"])[life_rng.choice(4, n)],
            "call_connect_rate": life_rng.beta(2 + np.exp(zi), 3, n),
            "touches_per_week": touches / np.maximum(age_weeks, 1),
            "rep_avg_activities_30d": 2.0 + owner % 3,
            "close_date_days_pushed": pushes * late_rng.integers(7, 31, n),
            # Strong late-stage deals got firmed up halfway through their stage (no draw: the other columns'
            # random streams stay as they were).
            "days_since_stage_firm_up": pd.array(
                np.where((stage == stage.max()) & (zi > 1), days_in_stage // 2, None), dtype="Int64"
            ),
            "senior_contacts_engaged_90d": late_rng.poisson(np.exp(-0.5 + 0.4 * zi)),
            "days_since_last_meeting": pd.array(since_meeting, dtype="Int64"),
            "risk_notes_90d": late_rng.poisson(np.exp(-1.0 - 0.5 * zi)),
            "commitment_notes_90d": late_rng.poisson(np.exp(-1.0 + 0.5 * zi)),
            "account_employee_count": late_rng.integers(20, 20000, n),
            "account_prior_won_deals": late_rng.poisson(0.3, n),
            "days_in_stage_vs_segment": days_in_stage / 17.0,
            "activities_90d": activities_7d + calls + emails + meetings + late_rng.poisson(4, n),
            "crm_probability": crm_probability,
        }
    )


def _copy(conn: psycopg.Connection, table: str, frame: pd.DataFrame) -> None:
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False, header=False, na_rep="")
    columns = ", ".join(frame.columns)
    with conn.cursor().copy(f"copy {table} ({columns}) from stdin with (format csv)") as copy:
        copy.write(buffer.getvalue())
