"""Run every planned deal through the business days up to today, all deals at once.

One loop over days, numpy over deals: the latent step (simulator.latent), then what reps
type into the tracked fields (simulator.fields). The result is a set of columnar logs
the row builders turn into CRM records, plus the true win probability of each open deal
at the start of each Monday and of today.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simulator.config import DemoConfig
from simulator.dates import business_days_left_in_quarter, is_monday
from simulator.fields import DealFields
from simulator.ids import record_id
from simulator.latent import ACT, BUYER, NEXT, QUAL, SEG, STAGE, STATE_COLUMNS, step_day
from simulator.org import Org
from simulator.plan import DealPlan
from simulator.truth_quarter import DealTruth

TOUCH_COLUMNS = (
    "deal",
    "day",
    "two_way",
    "buyer_gain",
    "champion_gain",
    "thread_gain",
    "was_dark",
    "stage",
    "outcome",
)


@dataclass
class SimLog:
    """Columnar logs (name -> array), one entry per event; a deal's entries are in day order."""

    changes: dict[str, np.ndarray]  # deal, day, stage, amount, close, category: opportunity_history rows
    touches: dict[
        str, np.ndarray
    ]  # deal, day, two_way, *_gain, was_dark, stage, outcome (0 open 1 won 2 lost)
    next_steps: dict[str, np.ndarray]  # deal, day, is_set, stage
    truth: dict[str, np.ndarray]  # deal, date, p_win, p_win_in_quarter, quarter_end (see truth_entries)
    categories: tuple[str, ...]  # category codes: open categories weakest first, then won, then lost
    final_state: np.ndarray | None = None  # latent rows of every deal at the start of today
    fields: DealFields | None = None  # amount, close date, category of every deal at the start of today
    is_open: np.ndarray | None = None  # open at the start of today


def simulate(
    config: DemoConfig,
    org: Org,
    plan: DealPlan,
    days: np.ndarray,
    today: np.datetime64,
    truth: DealTruth,
    rng: np.random.Generator,
) -> SimLog:
    n_open = len(config.open_stages)
    state = np.zeros((len(plan), len(STATE_COLUMNS)), dtype=np.int64)  # threads 0: one contact so far
    state[:, SEG], state[:, ACT], state[:, QUAL] = plan.segment, plan.activity, plan.quality
    state[:, STAGE], state[:, BUYER], state[:, NEXT] = plan.stage, plan.buyer, plan.next_step
    fields = DealFields(config, org, plan, rng)
    is_open = np.ones(len(plan), dtype=bool)
    logs = {"changes": [], "touches": [], "next_steps": [], "truth": []}
    logs["changes"].append(_changes(np.arange(len(plan)), plan.created_day, plan.stage, fields))
    none = np.zeros(0, dtype=np.int64)  # so a log with no events still has its columns
    logs["touches"].append({name: none for name in TOUCH_COLUMNS})
    logs["next_steps"].append({name: none for name in ("deal", "day", "is_set", "stage")})

    mondays = is_monday(days)
    days_left = business_days_left_in_quarter(days, config.fiscal_year_start_month).tolist()
    for d, day in enumerate(days):
        active = np.nonzero(is_open & (plan.created_day < d))[0]
        if mondays[d] and len(active):
            logs["truth"].append(truth_entries(truth, active, day, state[active], fields.close[active]))
        if not len(active):
            continue
        rows = state[active]
        step = step_day(config.latent, n_open, rows, rng, days_left[d])
        state[active] = rows
        closed = step.won | step.lost
        is_open[active[closed]] = False
        changed = fields.after_day(day, active, rows, step, rng, days_left[d])

        # Codes into [*open stages, won, lost]; a verbal yes still shows as the last open stage.
        visible = np.minimum(rows[:, STAGE], n_open - 1)
        stage_code = np.where(step.won, n_open, np.where(step.lost, n_open + 1, visible))
        logs["changes"].append(_changes(active[changed], d, stage_code[changed], fields))
        touched = step.worked | closed
        logs["touches"].append(
            {
                "deal": active[touched],
                "day": np.full(touched.sum(), d),
                "two_way": step.two_way[touched],
                "buyer_gain": step.buyer_gain[touched],
                "champion_gain": step.champion_gain[touched],
                "thread_gain": step.thread_gain[touched],
                "was_dark": step.was_dark[touched],
                "stage": visible[touched],
                "outcome": np.where(step.won, 1, np.where(step.lost, 2, 0))[touched],
            }
        )
        flipped = step.next_step_set | step.next_step_clear
        logs["next_steps"].append(
            {
                "deal": active[flipped],
                "day": np.full(flipped.sum(), d),
                "is_set": step.next_step_set[flipped],
                "stage": visible[flipped],
            }
        )

    active = np.nonzero(is_open)[0]
    logs["truth"].append(truth_entries(truth, active, today, state[active], fields.close[active]))
    return SimLog(
        **{name: _concatenate(chunks) for name, chunks in logs.items()},
        categories=fields.codes,
        final_state=state,
        fields=fields,
        is_open=is_open,
    )


def truth_entries(truth: DealTruth, deals, as_of, states, close_dates) -> dict[str, np.ndarray]:
    """sim_truth.deal_daily entries for deals open at the start of `as_of`, with their close dates then."""
    close_quarter_end = truth.quarter_end(close_dates)
    return {
        "deal": deals,
        "date": np.full(len(deals), as_of, dtype="datetime64[D]"),
        "p_win": truth.p_win(states),
        "p_win_in_quarter": truth.p_booked_by(states, as_of, close_quarter_end),
        "quarter_end": close_quarter_end,
        "p_win_this_quarter": truth.p_booked_by(states, as_of, truth.quarter_end(as_of)),
    }


def deal_daily_rows(entries: dict[str, np.ndarray], first_deal: int = 0):
    """sim_truth.deal_daily rows from `truth_entries` (deal numbers offset by `first_deal`).

    6 decimals: the solver is accurate to ~1e-6, and rounding keeps rebuilds byte-identical even if a
    BLAS sums in another order."""
    return zip(
        (record_id("opportunity", first_deal + deal + 1) for deal in entries["deal"].tolist()),
        entries["date"].tolist(),
        np.round(entries["p_win"], 6).tolist(),
        np.round(entries["p_win_in_quarter"], 6).tolist(),
        entries["quarter_end"].tolist(),
        np.round(entries["p_win_this_quarter"], 6).tolist(),
        strict=True,
    )


def _changes(deals: np.ndarray, day, stage: np.ndarray, fields: DealFields) -> dict[str, np.ndarray]:
    """History entries for `deals`: the tracked fields' values after the change."""
    return {
        "deal": deals,
        "day": np.broadcast_to(day, deals.shape),
        "stage": stage,
        "amount": fields.amount[deals],
        "close": fields.close[deals],
        "category": fields.category[deals],
    }


def _concatenate(chunks: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    return {name: np.concatenate([chunk[name] for chunk in chunks]) for name in chunks[0]}
