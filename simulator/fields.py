"""What reps type into the fields opportunity history tracks: amount, close date, forecast category.

These fields do not move the latent process (simulator.latent); they are how reps
describe it, with their habits: an optimistic first close date pushed again and
again, amounts revised on stage moves and discounted in the last stage, and a forecast
category nudged by the rep's style (sandbagger one step down, happy ears one step up).
"""

from __future__ import annotations

import numpy as np

from simulator.config import SEGMENTS, DemoConfig
from simulator.dates import month_end
from simulator.latent import (
    ACT,
    BUYER,
    CHAMP,
    N_STALL,
    N_WARMTH,
    NEXT,
    QUAL,
    STAGE,
    STALL,
    THREADS,
    WARM,
    DayStep,
    health,
)
from simulator.org import FORECAST_STYLES, Org
from simulator.plan import DealPlan

PUSH_DAYS = {"SMB": 21, "MM": 30, "ENT": 45}  # a typical push for a healthy deal
# Chances per business day, scaled by REP_DILIGENCE (low / medium / high activity reps): lazy reps
# leave dates in the past for weeks, the open deals with a close date in the past a pipeline review flags.
PUSH_WHEN_OVERDUE = 0.15
PUSH_WHEN_DUE = 0.3  # close date within 2 days, before the last open stage
PUSH_WHEN_STUCK = 0.1  # stalled in stage or gone dark, with the close date within two weeks
REP_DILIGENCE = np.array([0.25, 0.5, 1.0])
STYLE_NUDGE = 0.35  # share of stage moves where a biased rep sets the category one step off the default
REVISE_ON_MOVE = 0.2  # amounts get re-scoped on ~1 in 5 stage moves, by ~15%
DISCOUNT_IN_LAST_STAGE = 0.4  # ...and discounted 2-15% on 2 in 5 arrivals in the last open stage
FIRM_UP_IN_LAST_STAGE = 0.5  # half the reps set a firm close date 5-20 days out on reaching it
COMMIT_ON_VERBAL = 0.7  # on a verbal yes most reps move the deal to the top forecast category...
FIRM_UP_ON_VERBAL = 0.6  # ...and set the close date to when they expect the paperwork, 3-15 days out
QUARTER_END_DISCOUNT = 0.5  # half the deals booked in a quarter's last two weeks got a 3-15% discount


class DealFields:
    """Current amount, close date and forecast category of every deal (arrays over deals)."""

    def __init__(self, config: DemoConfig, org: Org, plan: DealPlan, rng: np.random.Generator) -> None:
        self._setup(config, org, plan.rep, plan.segment)
        self.amount = plan.amount.copy()
        self.close = plan.first_close.copy()
        self.category = self._nudge(self.default_category[plan.stage], self.style, rng)

    @classmethod
    def restore(cls, config: DemoConfig, org: Org, rep, segment, amount, close, category) -> DealFields:
        """The fields of deals already in the CRM (simulator.advance), as persisted: no random draws."""
        fields = cls.__new__(cls)
        fields._setup(config, org, rep, segment)
        fields.amount, fields.close, fields.category = amount, close, category
        return fields

    def _setup(self, config: DemoConfig, org: Org, rep: np.ndarray, segment: np.ndarray) -> None:
        self.config = config
        self.n_open = len(config.open_stages)
        self.open_categories = config.open_forecast_categories
        self.codes = (
            *self.open_categories,
            config.won_stage.forecast_category,
            config.lost_stage.forecast_category,
        )
        self.default_category = np.array(
            [self.open_categories.index(s.forecast_category) for s in config.open_stages]
        )
        styles = list(FORECAST_STYLES)
        self.style = np.array([styles.index(r.forecast_style) for r in org.reps], dtype=np.int64)[rep]
        self.push_days = np.array([PUSH_DAYS[s] for s in SEGMENTS])[segment]

    def after_day(
        self,
        day: np.datetime64,
        deals: np.ndarray,
        state: np.ndarray,
        step: DayStep,
        rng: np.random.Generator,
        business_days_left: int,
    ) -> np.ndarray:
        """Apply one day's edits to `deals` (latent rows `state`, after `step`); True where a tracked field
        changed. `business_days_left` in the fiscal quarter, today included."""
        amount_before, close_before = self.amount[deals], self.close[deals]
        stage = np.minimum(state[:, STAGE], self.n_open - 1)  # as the CRM shows it: a verbal yes is last
        closed = step.won | step.lost
        u = rng.random((len(deals), 6))

        category = np.where(
            step.advanced,
            self._nudge(self.default_category[stage], self.style[deals], rng),
            self.category[deals],
        )
        category = np.where(step.verbal & (u[:, 5] < COMMIT_ON_VERBAL), self.n_open_categories - 1, category)
        category = np.where(step.won, self.n_open_categories, category)
        category = np.where(step.lost, self.n_open_categories + 1, category)

        revised = (step.advanced | step.won) & (u[:, 0] < REVISE_ON_MOVE)
        discounted = step.advanced & (stage == self.n_open - 1) & (u[:, 1] < DISCOUNT_IN_LAST_STAGE)
        factor = np.where(revised, np.exp(rng.normal(0, 0.15, len(deals))), 1.0)
        factor *= np.where(discounted, rng.uniform(0.85, 0.98, len(deals)), 1.0)
        quarter_end = business_days_left <= self.config.latent.quarter_end_business_days
        pulled_in = step.won & quarter_end & (u[:, 5] < QUARTER_END_DISCOUNT)
        factor *= np.where(pulled_in, rng.uniform(0.85, 0.97, len(deals)), 1.0)
        self.amount[deals] = np.round(amount_before * factor, -2)

        until_close = close_before - day
        overdue = until_close < np.timedelta64(0, "D")
        due = (until_close <= np.timedelta64(2, "D")) & (stage < self.n_open - 1)
        # A rep sees a stuck or silent deal and pushes it early, before the date even comes due.
        stuck = ((state[:, STALL] == N_STALL - 1) | (state[:, WARM] == N_WARMTH - 1)) & (
            until_close <= np.timedelta64(14, "D")
        )
        diligence = REP_DILIGENCE[state[:, ACT]]
        pushed = ~closed & (
            (overdue & (u[:, 2] < PUSH_WHEN_OVERDUE * diligence))
            | (due & (u[:, 3] < PUSH_WHEN_DUE * diligence))
            | (stuck & (u[:, 3] < PUSH_WHEN_STUCK * diligence))
        )
        # Reps in denial about a weak deal slip it a week or two at a time, again and again; a healthy
        # deal gets a realistic new date. So pushes per month flag weak deals (health -2: ~0.4x the span).
        health_now = health(
            self.config.latent, *(state[:, c] for c in (QUAL, BUYER, CHAMP, THREADS, NEXT, WARM))
        )
        span = np.round(self.push_days[deals] * np.exp(0.45 * health_now) * rng.uniform(0.6, 1.4, len(deals)))
        new_close = day + np.maximum(span, 5).astype("timedelta64[D]")
        new_close = np.where(u[:, 4] < 0.35, month_end(new_close), new_close)
        firmed = step.advanced & (stage == self.n_open - 1) & (u[:, 4] < FIRM_UP_IN_LAST_STAGE)
        new_close = np.where(
            firmed, day + rng.integers(5, 20, len(deals)).astype("timedelta64[D]"), new_close
        )
        expects_paperwork = step.verbal & (u[:, 4] < FIRM_UP_ON_VERBAL)
        new_close = np.where(
            expects_paperwork, day + rng.integers(3, 16, len(deals)).astype("timedelta64[D]"), new_close
        )
        firmed |= expects_paperwork
        # A firm date replaces a later one or one already past; an earlier date the rep keeps.
        firmed &= (new_close < close_before) | overdue
        close = np.where(pushed | firmed, new_close, close_before)
        # A closing edit sets the close date to the day it closed, except where the rep backdates it to
        # when the deal "really" closed (a defect the dbt lookback exists for).
        backdate = np.where(
            rng.random(len(deals)) < self.config.backdated_close_rate, rng.integers(1, 6, len(deals)), 0
        )
        self.close[deals] = np.where(closed, day - backdate.astype("timedelta64[D]"), close)

        # A history row only when a tracked field really changed (rounding can undo a revision).
        amount_moved = ~np.isnan(amount_before) & (self.amount[deals] != amount_before)
        changed = step.advanced | closed | amount_moved | (self.close[deals] != close_before)
        changed |= category != self.category[deals]
        self.category[deals] = category
        return changed

    @property
    def n_open_categories(self) -> int:
        return len(self.open_categories)

    def _nudge(self, category: np.ndarray, style: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        nudge = rng.random(len(category)) < STYLE_NUDGE
        moved = category + np.where(style == 2, 1, np.where(style == 0, -1, 0))
        return np.where(nudge, np.clip(moved, 0, self.n_open_categories - 1), category)
