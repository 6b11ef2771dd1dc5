"""A small clean CRM (simulator/schema.sql) on which every raw suite passes, and a helper that
extracts it and runs every registered validation, as the morning job does."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import psycopg

from crm.demo.source import DemoCrmSource
from expectations.runner import ValidationOutcome, run_validation
from expectations.suites import load_registry
from extract.load import ObjectExtract, extract_crm

SCHEMA_SQL = (Path(__file__).parents[2] / "simulator" / "schema.sql").read_text()

# 20 deals of 4 reps on 5 accounts, with history, contacts, activities and forecasts; every
# modstamp within the last day so the freshness expectations pass.
CLEAN_CRM_SQL = """
insert into crm.organization values ('00D1', 'Clean Co', 1, 'USD', now() - interval '1 day');
insert into crm."user" (user_id, name, role, created_date, system_modstamp)
    select 'u' || g, 'Rep ' || g, 'Account Executive', '2025-01-01', now() - interval '1 day' from generate_series(1, 4) g;
insert into crm.account (account_id, name, owner_id, created_date, system_modstamp)
    select 'a' || g, 'Account ' || g, 'u' || (1 + g % 4), '2025-01-01', now() - interval '1 day'
    from generate_series(1, 5) g;
insert into crm.contact (contact_id, account_id, last_name, seniority, created_date, system_modstamp)
    select 'c' || g, 'a' || g, 'Contact ' || g, 'VP', '2025-01-01', now() - interval '1 day' from generate_series(1, 5) g;
insert into crm.opportunity_stage values
    ('Prospecting', 1, false, false, 10, 'Pipeline', now()),
    ('Negotiation', 2, false, false, 60, 'Commit', now()),
    ('Closed Won', 3, true, true, 100, 'Closed', now());
insert into crm.opportunity (opportunity_id, account_id, owner_id, name, stage_name, amount, close_date,
                             probability, forecast_category, created_date, system_modstamp)
    select 'opp' || g, 'a' || (1 + g % 5), 'u' || (1 + g % 4), 'Deal ' || g, 'Prospecting', 1000,
           current_date + 60, 10, 'Pipeline', '2026-01-01', now() - interval '1 hour'
    from generate_series(1, 20) g;
insert into crm.opportunity_history (history_id, opportunity_id, created_date, stage_name, amount, system_modstamp)
    select 'h' || g, 'opp' || g, '2026-01-02', 'Prospecting', 1000, now() - interval '1 hour'
    from generate_series(1, 20) g;
insert into crm.opportunity_contact_role (opportunity_contact_role_id, opportunity_id, contact_id, role,
                                          created_date, system_modstamp)
    select 'ocr' || g, 'opp' || g, 'c' || (1 + g % 5), 'Champion', '2026-01-02', now() - interval '1 hour'
    from generate_series(1, 20) g;
insert into crm.task (task_id, what_id, owner_id, subject, type, status, created_date, system_modstamp)
    select 't' || g, 'opp' || g, 'u' || (1 + g % 4), 'Call', 'Call', 'Completed', '2026-01-03', now() - interval '1 hour'
    from generate_series(1, 20) g;
insert into crm.event (event_id, what_id, owner_id, subject, type, start_at, end_at, created_date, system_modstamp)
    select 'e' || g, 'opp' || g, 'u' || (1 + g % 4), 'Demo', 'Demo', '2026-01-05 10:00', '2026-01-05 11:00',
           '2026-01-04', now() - interval '1 hour'
    from generate_series(1, 10) g;
insert into crm.forecast_submission (forecast_submission_id, owner_id, fiscal_quarter, submitted_date,
                                     commit_amount, best_case_amount, system_modstamp)
    select 'f' || g, 'u' || g, '2026-Q4', current_date - 3, 5000, 8000, now() - interval '1 day'
    from generate_series(1, 4) g;
"""


@dataclass(frozen=True)
class Load:
    extracts: dict[str, ObjectExtract]
    outcomes: dict[str, ValidationOutcome]

    @property
    def failed(self) -> dict[str, str]:
        """Failed validation name -> its summary (what the Dagster check and the run summary show)."""
        return {name: o.summary() for name, o in self.outcomes.items() if not o.success}

    @property
    def blocked(self) -> bool:
        return any(not o.success and o.validation.blocking for o in self.outcomes.values())


def create_clean_crm(url: str) -> None:
    """(Re)create the clean CRM; drops what a previous case left, cheaper than a new database (~4 s)."""
    execute(
        url,
        "drop schema if exists crm, sim_truth, raw_crm, expectations cascade; " + SCHEMA_SQL + CLEAN_CRM_SQL,
    )


def execute(url: str, statements: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(statements)


def query(url: str, statement: str) -> list[tuple]:
    with psycopg.connect(url) as conn:
        return conn.execute(statement).fetchall()


# The corpus' defects are in opportunities and their history; validating those tables' four suites
# instead of all twenty keeps a case at about a second (GX costs ~0.2 s per suite).
CORPUS_TABLES = ("opportunity", "opportunity_history")


def extract_and_validate(url: str, tables: tuple[str, ...] | None = CORPUS_TABLES) -> Load:
    """Extract every object, then run the registered raw validations of `tables` (None: all of them)."""
    extracts = {e.object_name: e for e in extract_crm(DemoCrmSource(url), url, run_id="corpus")}
    raw = [v for v in load_registry() if v.schema == "raw_crm"]
    validations = [v for v in raw if tables is None or v.table in tables]
    outcomes = {v.name: run_validation(url, v) for v in validations}
    return Load(extracts, outcomes)


def rejects(url: str) -> list[tuple]:
    """(object, reason, source id) of every quarantined row, sorted."""
    return query(
        url,
        "select object_name, reason, coalesce(source_row->>'opportunity_id', '') from raw_crm._rejects "
        "order by 1, 3, 2",
    )
