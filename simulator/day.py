"""One business day of the open deals already in the CRM, for simulator.advance.

The same latent step (simulator.latent) and field edits (simulator.fields) the build uses, on the
persisted open deals, with one random stream per day ([seed, 20, day]) for the step and one per
deal and day ([seed, 22, day, deal]) for its visible details. So a day's outcome depends only on the
state at its start, never on how many days one advance covers.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import psycopg

from simulator import text
from simulator.activities import BUYER_ROLE, ActivityTrail, DealRef, edit_time, next_step_text
from simulator.config import DemoConfig
from simulator.dates import business_days_left_in_quarter, utc_time
from simulator.draws import Draws
from simulator.fields import DealFields
from simulator.ids import IdSequence, record_id
from simulator.latent import SEG, STAGE, step_day
from simulator.load import HistoryRow
from simulator.org import Org
from simulator.state import OpenDeals

UPDATE_COLUMNS = (
    "opportunity_id, stage_name, amount, close_date, probability, forecast_category, next_step, loss_reason, "
    "is_closed, is_won, closed_date, system_modstamp"
)


@dataclass
class DayRows:
    """Rows one day adds (per crm table) and the opportunity rows it rewrites."""

    tables: dict[str, list[tuple]] = field(
        default_factory=lambda: {
            t: [] for t in ("opportunity_history", "opportunity_contact_role", "task", "event")
        }
    )
    updates: list[tuple] = field(default_factory=list)
    won: int = 0
    lost: int = 0


@dataclass
class SimContext:
    conn: psycopg.Connection
    config: DemoConfig
    org: Org
    seed: int
    ids: dict[str, IdSequence]


def step_open_deals(ctx: SimContext, day: dt.date, deals: OpenDeals, out: DayRows) -> OpenDeals:
    """Step every open deal through `day`; add its rows to `out`; return the deals still open after it."""
    config, n_open = ctx.config, len(ctx.config.open_stages)
    rng = np.random.default_rng([ctx.seed, 20, day.toordinal()])
    rows = deals.state.copy()
    days_left = int(business_days_left_in_quarter(np.datetime64(day, "D"), config.fiscal_year_start_month))
    step = step_day(config.latent, n_open, rows, rng, days_left)
    fields = DealFields.restore(
        config,
        ctx.org,
        deals.rep,
        deals.state[:, SEG],
        deals.amount.copy(),
        deals.close.copy(),
        deals.category.copy(),
    )
    changed = fields.after_day(np.datetime64(day, "D"), np.arange(len(deals)), rows, step, rng, days_left)
    closed = step.won | step.lost
    flipped = step.next_step_set | step.next_step_clear
    need = np.nonzero(changed | step.worked | closed | flipped)[0]
    ids = [record_id("opportunity", int(deals.deal[i]) + 1) for i in need]
    current = {
        r[0]: r[1:]
        for r in ctx.conn.execute(
            "select opportunity_id, created_date, next_step from crm.opportunity where opportunity_id = any(%s)",
            (ids,),
        )
    }
    roles: dict[str, list[tuple[str, str]]] = {}
    for opportunity_id, contact_id, role in ctx.conn.execute(
        "select opportunity_id, contact_id, role from crm.opportunity_contact_role"
        " where opportunity_id = any(%s) order by opportunity_id, created_date, opportunity_contact_role_id",
        (ids,),
    ):
        roles.setdefault(opportunity_id, []).append((contact_id, role))
    stages = [*config.open_stages, config.won_stage, config.lost_stage]
    cutoff = utc_time(day + dt.timedelta(days=1), 0) - dt.timedelta(seconds=1)
    for i, opportunity_id in zip(need, ids, strict=True):
        deal_rng = Draws(ctx.seed, 22, day.toordinal(), int(deals.deal[i]))
        created_at, next_step = current[opportunity_id]
        account = int(deals.account[i])
        contacts = ctx.org.account_contacts[account]
        ref = DealRef(
            opportunity_id, ctx.org.accounts[account][0], ctx.org.account_names[account], created_at
        )
        trail = ActivityTrail(ref, ctx.org.reps[int(deals.rep[i])], contacts, deal_rng, ctx.ids, cutoff)
        by_id = {c.contact_id: c for c in contacts}
        trail.engaged = [by_id[c] for c, _ in roles.get(opportunity_id, []) if c in by_id]
        trail.has_buyer = any(role == BUYER_ROLE for _, role in roles.get(opportunity_id, []))
        visible_stage = min(int(rows[i, STAGE]), n_open - 1)  # a verbal yes shows as the last open stage
        stage = stages[n_open if step.won[i] else n_open + 1 if step.lost[i] else visible_stage]
        amount = None if np.isnan(fields.amount[i]) else float(fields.amount[i])
        close_date = fields.close[i].astype("datetime64[D]").item()
        category = fields.codes[int(fields.category[i])]
        edits = []
        if changed[i]:
            at = edit_time(day, deal_rng, cutoff)
            edits.append(at)
            history = (stage.name, amount, close_date, float(stage.default_probability), category, at)
            out.tables["opportunity_history"].append(
                HistoryRow(ctx.ids["opportunity_history"].next(), opportunity_id, at, *history)
            )
        if step.worked[i]:
            third = text.pipeline_third(visible_stage, n_open)
            gains = (bool(step.buyer_gain[i]), bool(step.champion_gain[i]), bool(step.thread_gain[i]))
            trail.touch(day, third, bool(step.two_way[i]), gains, bool(step.was_dark[i]))
        loss_reason = None
        if closed[i]:
            trail.close(day, won=bool(step.won[i]))
            out.won, out.lost = out.won + int(step.won[i]), out.lost + int(step.lost[i])
            if step.lost[i]:
                engaged = trail.has_buyer and not step.was_dark[i]
                reasons = text.LOSS_REASONS_ENGAGED if engaged else text.LOSS_REASONS_DISENGAGED
                loss_reason = deal_rng.choice(reasons)
        if flipped[i]:
            edits.append(edit_time(day, deal_rng, cutoff))
            next_step = (
                next_step_text(day, visible_stage, n_open, deal_rng) if step.next_step_set[i] else None
            )
        out.tables["opportunity_contact_role"].extend(trail.roles)
        out.tables["task"].extend(trail.tasks)
        out.tables["event"].extend(trail.events)
        if edits:
            out.updates.append(
                (
                    opportunity_id,
                    stage.name,
                    amount,
                    close_date,
                    float(stage.default_probability),
                    category,
                    next_step,
                    loss_reason,
                    bool(closed[i]),
                    bool(step.won[i]),
                    close_date if closed[i] else None,  # the close date, backdated or not
                    max(edits),
                )
            )
    keep = ~closed
    still_open = OpenDeals(
        deals.deal, deals.rep, deals.account, rows, fields.amount, fields.close, fields.category
    )
    return still_open.take(keep)


def write_updates(conn: psycopg.Connection, updates: list[tuple]) -> None:
    """Rewrite the changed crm.opportunity rows in one set-based UPDATE (COPY into a temp table first)."""
    if not updates:
        return
    conn.execute("drop table if exists pg_temp.opportunity_update")
    conn.execute(
        "create temp table opportunity_update on commit drop as "
        f"select {UPDATE_COLUMNS} from crm.opportunity with no data"
    )
    with conn.cursor().copy(f"copy pg_temp.opportunity_update ({UPDATE_COLUMNS}) from stdin") as copy:
        for row in updates:
            copy.write_row(row)
    assignments = ", ".join(f"{c} = u.{c}" for c in UPDATE_COLUMNS.split(", ")[1:])
    conn.execute(
        f"update crm.opportunity as o set {assignments} from pg_temp.opportunity_update as u"
        " where o.opportunity_id = u.opportunity_id"
    )
