"""Turn the simulation logs into CRM rows, one deal at a time, in batches of deals.

Every deal gets its own random stream (seed, deal number), so the visible details of a
deal do not depend on how the deals are batched. History rows hold the values after
each change, Salesforce style; the opportunity row is the last history row plus the
fields history does not track (next step, loss reason, closed flags).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import numpy as np

from crm import demo_text as text
from crm.demo_activities import ActivityTrail, DealRef
from crm.demo_calendar import to_date, utc_time
from crm.demo_config import DemoConfig
from crm.demo_ids import IdSequence, record_id
from crm.demo_load import HistoryRow, OpportunityRow
from crm.demo_org import Org
from crm.demo_plan import DealPlan
from crm.demo_simulate import SimLog

TABLES = ("opportunity", "opportunity_history", "opportunity_contact_role", "task", "event")
EDIT_HOURS_UTC = (13.0, 23.0)  # reps edit the CRM during the US working day: 13:00-23:00 UTC, same date


class DealRowBuilder:
    def __init__(
        self,
        config: DemoConfig,
        org: Org,
        plan: DealPlan,
        log: SimLog,
        days: np.ndarray,
        today: dt.date,
        seed: int,
        first_deal: int = 0,
        rng_key: tuple[int, ...] = (2,),
        issued: dict[str, int] | None = None,
    ) -> None:
        """`first_deal`, `rng_key` and `issued` let crm.demo_advance add a day's new deals after the
        existing ones: deal numbers, random streams and record ids continue instead of restarting."""
        self.config, self.org, self.plan, self.log, self.days, self.seed = config, org, plan, log, days, seed
        self.first_deal, self.rng_key = first_deal, rng_key
        self.cutoff = utc_time(today, 0) - dt.timedelta(seconds=1)  # the CRM is as of the start of today
        self.n_open = len(config.open_stages)
        self.stages = [*config.open_stages, config.won_stage, config.lost_stage]  # indexed by stage code
        self.ids = {kind: IdSequence(kind) for kind in TABLES[1:]}
        for kind, sequence in self.ids.items():
            sequence.issued = (issued or {}).get(kind, 0)
        self.slices = {
            name: _by_deal(getattr(log, name), len(plan)) for name in ("changes", "touches", "next_steps")
        }

    def batches(self, size: int = 500) -> Iterator[dict[str, list[tuple]]]:
        """Rows per table for `size` deals at a time, so memory stays bounded by the batch."""
        for first in range(0, len(self.plan), size):
            rows = {table: [] for table in TABLES}
            for deal in range(first, min(first + size, len(self.plan))):
                self._deal(deal, rows)
            yield rows

    def _deal(self, deal: int, out: dict[str, list[tuple]]) -> None:
        plan, rng = self.plan, np.random.default_rng([self.seed, *self.rng_key, deal])
        rep = self.org.reps[plan.rep[deal]]
        created_day = to_date(self.days[plan.created_day[deal]])
        ref = DealRef(
            opportunity_id=record_id("opportunity", self.first_deal + deal + 1),
            account_id=self.org.accounts[plan.account[deal]][0],
            account_name=self.org.account_names[plan.account[deal]],
            created_at=self._edit_time(created_day, rng),
        )
        history = self._history(deal, ref, rng)
        trail = ActivityTrail(
            ref, rep, self.org.account_contacts[plan.account[deal]], rng, self.ids, self.cutoff
        )
        opening = "Inbound demo request" if plan.lead_source[deal].strip().lower() == "inbound" else None
        trail.open_with(
            created_day,
            ref.created_at,
            bool(plan.buyer[deal]),
            opening or str(rng.choice(text.NOTES_CONNECTED["early"])),
        )
        was_dark = self._replay_touches(deal, trail)
        next_step, next_step_at = self._next_step(deal, ref.created_at, rng)

        last = history[-1]
        is_won = last.stage_name == self.config.won_stage.name
        is_closed = is_won or last.stage_name == self.config.lost_stage.name
        loss_reason = None
        if is_closed and not is_won:
            engaged = trail.has_buyer and not was_dark
            loss_reason = str(
                rng.choice(text.LOSS_REASONS_ENGAGED if engaged else text.LOSS_REASONS_DISENGAGED)
            )
        product = "Seats expansion" if plan.deal_type[deal] == 1 else str(rng.choice(text.PRODUCTS))
        out["opportunity"].append(
            OpportunityRow(
                ref.opportunity_id,
                ref.account_id,
                rep.user_id,
                f"{ref.account_name} - {product}",
                last.stage_name,
                last.amount,
                last.close_date,
                last.probability,
                last.forecast_category,
                next_step,
                text.OPPORTUNITY_TYPES[plan.deal_type[deal]],
                plan.lead_source[deal],
                loss_reason,
                is_closed,
                is_won,
                ref.created_at,
                last.close_date if is_closed else None,
                max(last.created_date, next_step_at),
            )
        )
        out["opportunity_history"].extend(history)
        out["opportunity_contact_role"].extend(trail.roles)
        out["task"].extend(trail.tasks)
        out["event"].extend(trail.events)

    def _history(self, deal: int, ref: DealRef, rng) -> list[HistoryRow]:
        c = {k: v[self.slices["changes"][deal]] for k, v in self.log.changes.items()}
        rows = []
        for i in range(len(c["day"])):
            at = ref.created_at if i == 0 else self._edit_time(to_date(self.days[c["day"][i]]), rng)
            stage = self.stages[int(c["stage"][i])]
            rows.append(
                HistoryRow(
                    self.ids["opportunity_history"].next(),
                    ref.opportunity_id,
                    at,
                    stage.name,
                    _money(c["amount"][i]),
                    to_date(c["close"][i]),
                    float(stage.default_probability),
                    self.log.categories[int(c["category"][i])],
                    at,
                )
            )
        return rows

    def _replay_touches(self, deal: int, trail: ActivityTrail) -> bool:
        """Write the deal's touches into its trail; returns whether it had gone dark when it closed."""
        t = {k: v[self.slices["touches"][deal]] for k, v in self.log.touches.items()}
        was_dark = False
        for i in range(len(t["day"])):
            day = to_date(self.days[t["day"][i]])
            if t["outcome"][i]:
                trail.close(day, won=t["outcome"][i] == 1)
                was_dark = bool(t["was_dark"][i])
                continue
            third = text.pipeline_third(int(t["stage"][i]), self.n_open)
            gains = (bool(t["buyer_gain"][i]), bool(t["champion_gain"][i]), bool(t["thread_gain"][i]))
            trail.touch(day, third, bool(t["two_way"][i]), gains, bool(t["was_dark"][i]))
        return was_dark

    def _next_step(self, deal: int, created_at: dt.datetime, rng) -> tuple[str | None, dt.datetime]:
        """The next step field now, and when it last changed (it moves the record's modstamp)."""
        created_day = to_date(self.days[self.plan.created_day[deal]])
        value = self._next_step_text(created_day, int(self.plan.stage[deal]), rng)
        value = value if self.plan.next_step[deal] else None
        changed_at = created_at
        n = {k: v[self.slices["next_steps"][deal]] for k, v in self.log.next_steps.items()}
        for i in range(len(n["day"])):
            day = to_date(self.days[n["day"][i]])
            changed_at = max(self._edit_time(day, rng), changed_at)
            value = self._next_step_text(day, int(n["stage"][i]), rng) if n["is_set"][i] else None
        return value, changed_at

    def _next_step_text(self, day: dt.date, stage: int, rng) -> str:
        step = str(rng.choice(text.NEXT_STEPS[text.pipeline_third(stage, self.n_open)]))
        return f"{step} ({day + dt.timedelta(days=int(rng.integers(2, 10))):%m/%d})"

    def _edit_time(self, day: dt.date, rng) -> dt.datetime:
        low, high = EDIT_HOURS_UTC
        return min(utc_time(day, low + (high - low) * rng.random()), self.cutoff)


def _money(value: float) -> float | None:
    return None if np.isnan(value) else float(value)


def _by_deal(columns: dict[str, np.ndarray], n_deals: int) -> list[slice]:
    """Sort a log in place by deal (stable: day order within a deal is kept) and slice it per deal."""
    order = np.argsort(columns["deal"], kind="stable")
    for name in columns:
        columns[name] = columns[name][order]
    edges = np.searchsorted(columns["deal"], np.arange(n_deals + 1))
    return [slice(int(edges[i]), int(edges[i + 1])) for i in range(n_deals)]
