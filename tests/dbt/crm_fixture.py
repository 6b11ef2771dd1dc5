"""A hand-made CRM small enough to reason about, loaded into schema `crm` with COPY.

Today (the as-of date) is Wednesday 2026-03-18, so the weekly snapshots fall on Mondays
..., 2026-03-09, 2026-03-16, plus today. Deal o1 is the star of the point-in-time tests:

- stage Prospecting from 2026-01-05, Discovery from 2026-02-10;
- close date pushed 2026-03-31 -> 2026-04-30 on 2026-03-17 (after Monday's snapshot);
- Economic Buyer role added 2026-03-17, Champion 2026-02-01;
- a connected call on 2026-03-16, an email on 2026-02-20, a meeting on 2026-03-12,
  a call made 2026-03-10 but logged 2026-03-17, a completed Momentum TMVA call,
  an open call and a meeting on 2026-03-25 (future).
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import psycopg

AS_OF_DATE = date(2026, 3, 18)


def at(day: str, hour: int = 12) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=UTC)


MODSTAMP = at("2026-03-18", 1)

CLOSED_STAGES = ("Closed Won", "Closed Lost")
STAGES = [
    ("Prospecting", 1, False, False, 10, "Pipeline"),
    ("Discovery", 2, False, False, 20, "Pipeline"),
    ("Proposal", 3, False, False, 50, "Best Case"),
    ("Negotiation", 4, False, False, 80, "Commit"),
    ("Closed Won", 5, True, True, 100, "Closed"),
    ("Closed Lost", 6, True, False, 0, "Omitted"),
]

USERS = [
    ("u_mgr", "Maria Manager", "Sales Manager", None, "East", "SMB", "America/New_York"),
    ("u_ae1", "Alex Rep", "Account Executive", "u_mgr", "East", " smb", "America/New_York"),
    ("u_ae2", "Bea Rep", "account executive", "u_mgr", "East", "ENT", "Mars/Olympus_Mons"),
]

ACCOUNTS = [("a1", "Acme", " smb "), ("a2", "Globex", "ENT")]

CONTACTS = [
    ("c1", "a1", "Vera", "Buyer", "VP Finance", "vp", "America/Chicago"),
    ("c2", "a1", "Chad", "Champion", "Ops Manager", "Manager", "America/New_York"),
    ("c3", "a2", "Ian", "Contributor", "Analyst", "IC", "Not/AZone"),
]

# fmt: off
# (id, account, owner, name, stage, amount, close_date, next_step, created, closed_date)
OPPORTUNITIES = [
    ("o1", "a1", "u_ae1", "Acme expansion", "Discovery", 10000, "2026-04-30", "Send proposal", "2026-01-05", None),
    ("o2", "a2", "u_ae1", "Globex new", "Closed Won", 50000, "2026-01-31", None, "2025-10-01", "2026-01-20"),
    ("o3", "a2", "u_ae2", "Globex lost", "Closed Lost", 20000, "2026-02-15", "  ", "2025-11-01", "2026-02-01"),
    # No history rows at all (a CRM defect): only today's snapshot may show it.
    ("o4", "a1", "u_ae2", "Acme no history", "Proposal", 7000, "2026-05-15", None, "2025-12-01", None),
]
# u_ae1's older closed deals: 4 won + 1 lost on 2025-12-10..14 -> 5 closed, win rate 4/5 from
# then on; with o2 (won 2026-01-20) that is 6 closed, 5 won, as of 2026-03-16.
for n, won in enumerate([True, True, True, True, False]):
    OPPORTUNITIES.append((f"old{n}", "a2", "u_ae1", f"Old deal {n}", "Closed Won" if won else "Closed Lost",
                          1000, "2025-12-01", None, "2025-09-01", f"2025-12-{10 + n:02d}"))
# fmt: on

# (id, opportunity, created, stage, amount, close_date)
HISTORY = [
    ("h1", "o1", at("2026-01-05", 9), "Prospecting", 10000, "2026-03-31"),
    ("h2", "o1", at("2026-02-10", 9), "Discovery", 10000, "2026-03-31"),
    ("h3", "o1", at("2026-03-17", 9), "Discovery", 10000, "2026-04-30"),
    ("h4", "o2", at("2025-10-01", 9), "Prospecting", 50000, "2025-12-15"),
    ("h5", "o2", at("2025-11-03", 9), "Proposal", 50000, "2025-12-15"),
    ("h6", "o2", at("2025-12-20", 9), "Proposal", 50000, "2026-01-31"),
    ("h7", "o2", at("2026-01-20", 9), "Closed Won", 50000, "2026-01-31"),
    ("h8", "o3", at("2025-11-01", 9), "Discovery", 20000, "2026-02-15"),
    ("h9", "o3", at("2026-02-01", 9), "Closed Lost", 20000, "2026-02-15"),
]
for n, row in enumerate(OPPORTUNITIES[4:]):
    HISTORY.append((f"hold{n}a", row[0], at("2025-09-01"), "Discovery", 1000, "2025-12-01"))
    HISTORY.append((f"hold{n}b", row[0], at(row[9]), row[4], 1000, "2025-12-01"))
# The CRM's probability field (percent) where a row sets it: o1's rep types 35 over Discovery's 20 with
# the push on 2026-03-17.
# Two deals without history (they would appear today only), as the extract leaves them in raw_crm:
# o_deleted, deleted in the CRM since (raw _deleted_at), closing in Q1, so a leak would show in today's forecast;
# o_held, held: its newer version quarantined (raw _newer_version_rejected). See mark_deleted_and_held.
DELETED_DEAL, HELD_DEAL = "o_deleted", "o_held"
OPPORTUNITIES += [
    (DELETED_DEAL, "a1", "u_ae1", "Acme deleted", "Proposal", 5000, "2026-03-30", None, "2025-12-01", None),
    (HELD_DEAL, "a2", "u_ae2", "Globex held", "Proposal", 8000, "2026-05-20", None, "2025-12-01", None),
]
HISTORY_PROBABILITY = {"h1": 10, "h2": 20, "h3": 35}

# (id, opportunity, contact, role, is_primary, created)
CONTACT_ROLES = [
    ("r1", "o1", "c1", "economic buyer", False, at("2026-03-17")),
    ("r2", "o1", "c2", "Champion", True, at("2026-02-01")),
]

# fmt: off
# (id, what, who, subject, type, status, completed_at, disposition, created, ai_external_id)
TASKS = [
    ("t1", "o1", "c1", "Intro call", "Call", "Completed", at("2026-03-16", 15), "Connected", at("2026-03-16", 15), None),
    ("t2", "o1", "c1", "TMVA: call Vera", "Call", "Completed", at("2026-03-17", 15), "Connected", at("2026-03-17"),
     "tmva-1"),
    ("t3", "o1", "c2", "Follow-up", "email", "completed", at("2026-02-20"), None, at("2026-02-20"), None),
    ("t4", "o1", "c2", "Planned call", "Call", "Open", None, None, at("2026-03-16"), None),
    ("t5", "o1", "c2", "Logged late", "Call", "Completed", at("2026-03-10", 14), "No Answer", at("2026-03-17"), None),
]
# fmt: on

# (id, what, who, subject, start_at, created)
EVENTS = [
    ("e1", "o1", "c2", "Demo", at("2026-03-12", 16), at("2026-03-01")),
    ("e2", "o1", "c1", "Pricing meeting", at("2026-03-25", 16), at("2026-03-17")),
]

# u_ae1's forecast calls: the 03-16 call for 2026-Q1 replaces the 03-09 one; the Q2 call and the
# call made after today must not count for the Q1 forecast of 03-16 / today.
# (id, owner, fiscal quarter, submitted, commit, best case)
FORECAST_SUBMISSIONS = [
    ("f1", "u_ae1", "2026-Q1", "2026-03-09", 30000, 60000),
    ("f2", "u_ae1", "2026-q1 ", "2026-03-16", 25000, 55000),
    ("f3", "u_ae1", "2026-Q2", "2026-03-16", 70000, 90000),
    ("f4", "u_ae1", "2026-Q1", "2026-03-19", 1, 1),
]


def load_fixture_crm(conn: psycopg.Connection) -> None:
    """Fill the (empty) crm schema with the rows above."""
    created = at("2024-01-01")
    opportunities = [
        (*row[:8], row[4] in CLOSED_STAGES, row[4] == "Closed Won", at(row[8]), row[9])
        for row in OPPORTUNITIES
    ]
    tables = {
        "opportunity_stage": (
            "stage_name, sort_order, is_closed, is_won, default_probability, forecast_category",
            STAGES,
        ),
        '"user"': (
            "user_id, name, role, manager_id, team, segment, timezone, created_date",
            [(*user, created) for user in USERS],
        ),
        "account": ("account_id, name, segment, created_date", [(*account, created) for account in ACCOUNTS]),
        "contact": (
            "contact_id, account_id, first_name, last_name, title, seniority, timezone, created_date",
            [(*contact, created) for contact in CONTACTS],
        ),
        "opportunity": (
            "opportunity_id, account_id, owner_id, name, stage_name, amount, close_date, next_step, is_closed,"
            " is_won, created_date, closed_date",
            opportunities,
        ),
        "opportunity_history": (
            "history_id, opportunity_id, created_date, stage_name, amount, close_date, probability",
            [(*row, HISTORY_PROBABILITY.get(row[0])) for row in HISTORY],
        ),
        "opportunity_contact_role": (
            "opportunity_contact_role_id, opportunity_id, contact_id, role, is_primary, created_date",
            CONTACT_ROLES,
        ),
        "task": (
            "task_id, what_id, who_id, subject, type, status, completed_at, call_disposition, created_date,"
            " ai_external_id",
            TASKS,
        ),
        "event": ("event_id, what_id, who_id, subject, start_at, created_date", EVENTS),
        "forecast_submission": (
            "forecast_submission_id, owner_id, fiscal_quarter, submitted_date, commit_amount, best_case_amount",
            FORECAST_SUBMISSIONS,
        ),
    }
    for table, (columns, rows) in tables.items():
        _copy(conn, table, f"{columns}, system_modstamp", [(*row, MODSTAMP) for row in rows])


def _copy(conn: psycopg.Connection, table: str, columns: str, rows: list[tuple]) -> None:
    with conn.cursor() as cursor, cursor.copy(f"copy crm.{table} ({columns}) from stdin") as copy:
        for row in rows:
            copy.write_row(row)


# ml.deal_scores: an older run, and two runs for today (the later one must win). The
# Monday run had a slip champion: o1 won with 0.25, slipping with 0.2 -> in the quarter 0.2.
# (opportunity, as_of_date, p_win, score_source, model_name, model_version, scored_at, p_slip, p_close_in_quarter)
# fmt: off
DEAL_SCORES = [
    ("o1", date(2026, 3, 16), 0.25, "model", "momentum_win", "3", at("2026-03-16", 6), 0.2, 0.2),
    ("o1", date(2026, 3, 17), 0.11, "model", "momentum_win", "3", at("2026-03-17", 6), None, None),
    ("o1", date(2026, 3, 18), 0.2, "model", "momentum_win", "3", at("2026-03-18", 5), None, None),
    ("o1", date(2026, 3, 18), 0.312345, "model", "momentum_win", "4", at("2026-03-18", 6), None, None),
    ("o4", date(2026, 3, 18), 0.5, "stage_probability", "stage_default_probability", None, at("2026-03-18", 6),
     None, None),
    # scored this morning before the deletion was noticed: must reach no payload or forecast
    (DELETED_DEAL, date(2026, 3, 18), 0.9, "model", "momentum_win", "4", at("2026-03-18", 6), 0.1, 0.8),
]
# fmt: on

# actions.tmva_daily: yesterday's action on o4 must not become today's next best action.
# (tmva_id, as_of_date, owner, opportunity, contact, play, action_type, title, rank, recommended_at)
TMVAS = [
    ("tmva-a", AS_OF_DATE, "u_ae1", "o1", "c1", "no_eb", "call", "Call Vera", 1, at("2026-03-18", 3)),
    # Never CRM tasks: one for an owner id missing from the CRM's users, one on the deleted deal.
    ("tmva-d", AS_OF_DATE, "u_missing", "o1", "c1", "no_eb", "call", "Call Vera too", 2, at("2026-03-18", 3)),
    (
        "tmva-e",
        AS_OF_DATE,
        "u_ae1",
        DELETED_DEAL,
        None,
        "stalled",
        "email",
        "Nudge deleted",
        1,
        at("2026-03-18", 3),
    ),
    (
        "tmva-b",
        date(2026, 3, 17),
        "u_ae2",
        "o4",
        None,
        "stalled",
        "email",
        "Nudge Acme",
        1,
        at("2026-03-17", 15),
    ),
    (
        "tmva-c",
        AS_OF_DATE,
        "u_ae2",
        "o4",
        None,
        "research",
        "research",
        "Research Acme",
        2,
        at("2026-03-18", 15),
    ),
]


O1_REASONS_FOR = (
    "at the Negotiation stage",
    "champion on the deal",
    "call connect rate 14% over the last thirty days, well above the segment's usual connect rate for deals "
    "of this size and stage in the quarter",
    "deal size 120,000, in the top tenth of the rep's open pipeline this quarter, which the model reads as a "
    "committed buyer",
)


def mark_deleted_and_held(conn: psycopg.Connection) -> None:
    """In raw_crm (after copy_crm_into_raw_crm), what the extract records for o_deleted and o_held."""
    conn.execute(
        "update raw_crm.opportunity set _deleted_at = now() where opportunity_id = %s", (DELETED_DEAL,)
    )
    conn.execute(
        "update raw_crm.opportunity set _newer_version_rejected = 'not_finite:amount' where opportunity_id = %s",
        (HELD_DEAL,),
    )


def load_fixture_outputs(conn: psycopg.Connection) -> None:
    """Fill ml.deal_scores and actions.tmva_daily (tables must exist)."""
    with conn.cursor() as cursor:
        columns = (
            "opportunity_id, as_of_date, p_win, score_source, model_name, model_version, scored_at, p_slip,"
            " p_close_in_quarter"
        )
        with cursor.copy(f"copy ml.deal_scores ({columns}) from stdin") as copy:
            for row in DEAL_SCORES:
                copy.write_row(row)
        # Today's reasons on o1: four sentences for (over a CRM text field's 255 characters), one against.
        cursor.execute(
            "update ml.deal_scores set top_factors_for = %s, factors_for = %s, top_factors_against = %s,"
            " factors_against = %s where opportunity_id = 'o1' and model_version = '4'",
            (
                "; ".join(O1_REASONS_FOR),
                "amount,calls_30d,has_champion,stage_progress",
                "no economic buyer engaged",
                "has_economic_buyer",
            ),
        )
        columns = (
            "tmva_id, as_of_date, owner_id, opportunity_id, contact_id, play_id, action_type, action_title, "
            "rank, recommended_at, context, script, expected_impact_amount, model_version"
        )
        with cursor.copy(f"copy actions.tmva_daily ({columns}) from stdin") as copy:
            for row in TMVAS:
                copy.write_row((*row, f"Why {row[0]}", f"Say {row[0]}", 100, "4"))
