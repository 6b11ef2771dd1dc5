"""The demo CRM: build a simulated, Salesforce-shaped sales org in schemas `crm` and `sim_truth`.

    summary = build_demo_crm(url, preset="demo", seed=7, today=date(2026, 11, 23))
    demo_crm_exists(url)  -> True
    demo_today(url)       -> date(2026, 11, 23)

The CRM is as of the start of `today`: every business day before it has been simulated,
today itself has not (the morning job runs before reps start). sim_truth.deal_daily holds
each open deal's true P(win) at the start of each Monday and of today. Same seed and same
today give identical tables.
"""

from __future__ import annotations

import datetime as dt
import itertools
import time
from dataclasses import dataclass

import numpy as np
import psycopg

from simulator.chunks import BuildInputs, build_chunks
from simulator.config import PRESETS, DemoConfig
from simulator.dates import business_days, history_start, utc_time
from simulator.forecast_submissions import write_forecast_submissions
from simulator.load import copy_data, copy_rows, recreate_schemas, row_counts
from simulator.org import build_org
from simulator.plan import plan_deals
from simulator.state import OpenDeals, save_state
from simulator.truth_quarter import deal_truth

__all__ = ["PRESETS", "DemoConfig", "DemoSummary", "build_demo_crm", "demo_crm_exists", "demo_today"]


@dataclass(frozen=True)
class DemoSummary:
    preset: str
    seed: int
    today: dt.date
    history_start: dt.date
    row_counts: dict[str, int]
    build_seconds: float


def build_demo_crm(
    url: str, preset: str | DemoConfig = "demo", seed: int = 7, today: dt.date | None = None
) -> DemoSummary:
    """Drop and rebuild schemas crm and sim_truth with a simulated CRM; one transaction."""
    started = time.perf_counter()
    config = preset if isinstance(preset, DemoConfig) else _preset(preset)
    today = today or dt.date.today()
    start = history_start(today, config.months_of_history)
    days = business_days(start, today)
    org = build_org(config, start, seed)
    plan = plan_deals(config, org, days, np.random.default_rng([seed, 1]))
    rep_kinds = tuple(sorted({(rep.segment, rep.activity) for rep in org.reps}))
    truth = deal_truth(config.latent, len(config.open_stages), rep_kinds, config.fiscal_year_start_month)
    inputs = BuildInputs(config, org, plan, days, today, truth, seed)

    chunks = build_chunks(inputs)  # workers start before the connection opens: forked, they must not share it
    first_chunk = next(chunks)
    with psycopg.connect(url) as conn:
        recreate_schemas(conn)
        copy_rows(conn, "crm.organization", [_organization_row(config, utc_time(start, 12))])
        copy_rows(conn, "crm.opportunity_stage", _stage_rows(config, utc_time(start, 12)))
        copy_rows(conn, "sim_truth.rep_profile", _rep_profile_rows(org))
        copy_rows(conn, 'crm."user"', org.users)
        copy_rows(conn, "crm.account", org.accounts)
        copy_rows(conn, "crm.contact", org.contacts)
        open_deals, issued = [], {}
        for chunk in itertools.chain([first_chunk], chunks):
            for table_name, text in chunk.copy_text.items():
                copy_data(conn, table_name, text)
            open_deals.append(chunk.open_deals)
            issued |= chunk.issued  # chunks come in order: the last one has the highest numbers
        copy_rows(conn, "sim_truth.clock", [(today,)])
        forecasts = write_forecast_submissions(conn, config, org, start, today)
        issued |= {"opportunity": len(plan), "forecast_submission": forecasts}
        save_state(conn, OpenDeals.concat(*open_deals), issued, (config, seed, start))
        counts = row_counts(conn)
    return DemoSummary(config.name, seed, today, start, counts, round(time.perf_counter() - started, 3))


def demo_crm_exists(url: str) -> bool:
    """True when crm.opportunity exists and has rows."""
    with psycopg.connect(url) as conn:
        if conn.execute("select to_regclass('crm.opportunity')").fetchone()[0] is None:
            return False
        return conn.execute("select exists (select 1 from crm.opportunity)").fetchone()[0]


def demo_today(url: str) -> dt.date:
    """The demo CRM's own today (sim_truth.clock)."""
    with psycopg.connect(url) as conn:
        if conn.execute("select to_regclass('sim_truth.clock')").fetchone()[0] is None:
            raise LookupError("no demo CRM here: sim_truth.clock does not exist (run build_demo_crm first)")
        row = conn.execute("select current_date_value from sim_truth.clock").fetchone()
    if row is None:
        raise LookupError("sim_truth.clock is empty")
    return row[0]


def _preset(name: str) -> DemoConfig:
    if name not in PRESETS:
        raise ValueError(f"unknown demo preset {name!r}; choose one of {', '.join(PRESETS)}")
    return PRESETS[name]


def _organization_row(config: DemoConfig, stamp: dt.datetime) -> tuple:
    return ("00DDm0000000001", f"Momentum demo ({config.name})", config.fiscal_year_start_month, "USD", stamp)


def _rep_profile_rows(org) -> list[tuple]:
    levels = ("low", "medium", "high")
    return [(rep.user_id, round(rep.skill, 6), levels[rep.activity], rep.forecast_style) for rep in org.reps]


def _stage_rows(config: DemoConfig, stamp: dt.datetime) -> list[tuple]:
    return [
        (s.name, s.sort_order, s.is_closed, s.is_won, s.default_probability, s.forecast_category, stamp)
        for s in config.stages
    ]
