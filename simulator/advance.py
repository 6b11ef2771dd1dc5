"""Move a built demo CRM forward in time, one calendar day at a time.

    summary = advance_demo_crm(url, days=7)

Each business day: reps complete some of the open Momentum tasks (crm.task rows with
ai_external_id, status 'Open') and the true effect of the action lands on the deal's hidden
state (simulator.task_effects, recorded in sim_truth.action_effects); every open deal takes one latent
step and leaves its history, activities and field edits; new deals are created; on Mondays every
rep submits a forecast. Every day (weekends too) ends with the true P(win) of each open deal at
the start of the next day and the clock moving on. Everything random comes from (seed, day), so
advancing 2 days equals advancing 1 day twice, row for row. Deals without a Momentum task get no
effect: the holdout Momentum keeps (10% of deals) stays untreated.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass

import numpy as np
import psycopg

from simulator.dates import utc_time
from simulator.day import DayRows, SimContext, step_open_deals, write_updates
from simulator.fields import DealFields
from simulator.forecast_submissions import write_forecast_submissions
from simulator.ids import IdSequence, record_id
from simulator.latent import ACT, BUYER, NEXT, QUAL, SEG, STAGE, STATE_COLUMNS
from simulator.load import copy_rows
from simulator.org import build_org
from simulator.plan import plan_deals
from simulator.rows import TABLES, DealRowBuilder
from simulator.simulate import TOUCH_COLUMNS, SimLog, _changes, deal_daily_rows, truth_entries
from simulator.state import OpenDeals, load_state, save_state
from simulator.task_effects import apply_action
from simulator.truth_quarter import DealTruth, deal_truth


@dataclass(frozen=True)
class AdvanceSummary:
    from_date: dt.date  # the CRM's today before
    to_date: dt.date  # ...and after
    business_days: int
    deals_created: int
    deals_won: int
    deals_lost: int
    momentum_tasks_completed: int
    open_deals: int
    seconds: float


def advance_demo_crm(url: str, days: int) -> AdvanceSummary:
    """Simulate `days` calendar days from the CRM's today (sim_truth.clock); one transaction."""
    if days < 0:
        raise ValueError("days must be >= 0")
    started = time.perf_counter()
    with psycopg.connect(url) as conn:
        today = conn.execute("select current_date_value from sim_truth.clock").fetchone()[0]
        config, seed, start, deals, issued = load_state(conn)
        org = build_org(config, start, seed)
        kinds = tuple(sorted({(rep.segment, rep.activity) for rep in org.reps}))
        truth = deal_truth(config.latent, len(config.open_stages), kinds, config.fiscal_year_start_month)
        ids = {kind: IdSequence(kind) for kind in TABLES[1:]}
        for kind, sequence in ids.items():
            sequence.issued = issued.get(kind, 0)
        ctx = SimContext(conn, config, org, seed, ids)
        totals = {"business_days": 0, "created": 0, "won": 0, "lost": 0, "tasks": 0}
        first = today
        for _ in range(days):
            if np.is_busday(np.datetime64(today, "D")):
                totals["business_days"] += 1
                totals["tasks"] += _complete_momentum_tasks(ctx, today, deals, truth)
                out = DayRows()
                deals = step_open_deals(ctx, today, deals, out)
                totals["won"], totals["lost"] = totals["won"] + out.won, totals["lost"] + out.lost
                new = _create_deals(ctx, today, issued["opportunity"])
                issued["opportunity"] += len(new)
                totals["created"] += len(new)
                deals = OpenDeals.concat(deals, new)
                for table_name, rows in out.tables.items():
                    copy_rows(conn, f"crm.{table_name}", rows)
                write_updates(conn, out.updates)
                if today.weekday() == 0:
                    issued["forecast_submission"] += write_forecast_submissions(
                        conn,
                        config,
                        org,
                        start,
                        today + dt.timedelta(days=1),
                        today,
                        issued["forecast_submission"],
                    )
            today += dt.timedelta(days=1)
            _write_truth(conn, deals, today, truth)
        issued |= {kind: sequence.issued for kind, sequence in ids.items()}
        save_state(conn, deals, issued)
        conn.execute("update sim_truth.clock set current_date_value = %s", (today,))
    return AdvanceSummary(
        first,
        today,
        totals["business_days"],
        totals["created"],
        totals["won"],
        totals["lost"],
        totals["tasks"],
        len(deals),
        round(time.perf_counter() - started, 3),
    )


def _complete_momentum_tasks(ctx: SimContext, day: dt.date, deals: OpenDeals, truth: DealTruth) -> int:
    """Reps complete open Momentum tasks at the configured rate; the action's true effect moves the deal."""
    index = {record_id("opportunity", int(d) + 1): i for i, d in enumerate(deals.deal)}
    tasks = ctx.conn.execute(
        "select task_id, what_id, ai_action_type from crm.task where ai_external_id is not null"
        " and status = 'Open' and what_id = any(%s) order by ai_external_id, task_id",
        (list(index),),
    ).fetchall()
    rng = np.random.default_rng([ctx.seed, 21, day.toordinal()])
    cutoff = utc_time(day + dt.timedelta(days=1), 0) - dt.timedelta(seconds=1)
    done, effects = [], []
    for task_id, opportunity_id, action_type in tasks:
        u = rng.random(3)
        if u[0] >= ctx.config.tmva_completion_rate:
            continue
        i = index[opportunity_id]
        before = deals.state[i].copy()
        deals.state[i] = apply_action(ctx.config.latent, action_type, before, float(u[1]))
        p_before, p_after = truth.p_win(np.stack([before, deals.state[i]]))
        at = min(utc_time(day, 13 + 10 * float(u[2])), cutoff)  # during the US working day, as reps edit
        done.append((task_id, at))
        effects.append(
            (
                task_id,
                opportunity_id,
                action_type,
                day,
                _state_text(before),
                _state_text(deals.state[i]),
                round(float(p_before), 6),
                round(float(p_after), 6),
            )
        )
    if done:
        ctx.conn.execute(
            "update crm.task as t set status = 'Completed', completed_at = u.at, system_modstamp = u.at"
            " from unnest(%s::text[], %s::timestamptz[]) as u(task_id, at) where t.task_id = u.task_id",
            ([d[0] for d in done], [d[1] for d in done]),
        )
        with ctx.conn.cursor().copy("copy sim_truth.action_effects from stdin") as copy:
            for row in effects:
                copy.write_row(row)
    return len(done)


def _create_deals(ctx: SimContext, day: dt.date, first_deal: int) -> OpenDeals:
    """The deals reps open on `day`, loaded into the CRM; first stepped the next business day."""
    config, days, ordinal = ctx.config, np.array([np.datetime64(day, "D")]), day.toordinal()
    plan = plan_deals(config, ctx.org, days, np.random.default_rng([ctx.seed, 24, ordinal]))
    n = len(plan)
    fields = DealFields(config, ctx.org, plan, np.random.default_rng([ctx.seed, 25, ordinal]))
    none = np.zeros(0, dtype=np.int64)
    log = SimLog(
        changes=_changes(np.arange(n), 0, plan.stage, fields),
        touches={name: none for name in TOUCH_COLUMNS},
        next_steps={name: none for name in ("deal", "day", "is_set", "stage")},
        truth={},
        categories=fields.codes,
    )
    issued = {kind: sequence.issued for kind, sequence in ctx.ids.items()}
    builder = DealRowBuilder(
        config,
        ctx.org,
        plan,
        log,
        days,
        day + dt.timedelta(days=1),
        ctx.seed,
        first_deal,
        (23, ordinal),
        issued,
    )
    for batch in builder.batches():
        for table_name, rows in batch.items():
            copy_rows(ctx.conn, f"crm.{table_name}", rows)
    for kind, sequence in builder.ids.items():
        ctx.ids[kind].issued = sequence.issued
    state = np.zeros((n, len(STATE_COLUMNS)), dtype=np.int64)
    state[:, SEG], state[:, ACT], state[:, QUAL] = plan.segment, plan.activity, plan.quality
    state[:, STAGE], state[:, BUYER], state[:, NEXT] = plan.stage, plan.buyer, plan.next_step
    return OpenDeals(
        first_deal + np.arange(n, dtype=np.int64),
        plan.rep.astype(np.int64),
        plan.account.astype(np.int64),
        state,
        fields.amount,
        fields.close.astype("datetime64[D]"),
        fields.category.astype(np.int64),
    )


def _write_truth(conn: psycopg.Connection, deals: OpenDeals, as_of: dt.date, truth: DealTruth) -> None:
    """The truth of every deal open at the start of `as_of`, as the build writes it."""
    entries = truth_entries(truth, deals.deal, np.datetime64(as_of, "D"), deals.state, deals.close)
    copy_rows(conn, "sim_truth.deal_daily", deal_daily_rows(entries))


def _state_text(state: np.ndarray) -> str:
    return " ".join(f"{name}={int(v)}" for name, v in zip(STATE_COLUMNS, state, strict=True))
