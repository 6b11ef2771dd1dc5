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

from simulator import text
from simulator.activities import ActivityTrail, DealRef, edit_time, next_step_text
from simulator.config import DemoConfig
from simulator.dates import to_date, utc_time
from simulator.draws import Draws
from simulator.ids import IdSequence, record_id
from simulator.load import HistoryRow, OpportunityRow
from simulator.org import Org
from simulator.plan import DealPlan
from simulator.simulate import SimLog

TABLES = ("opportunity", "opportunity_history", "opportunity_contact_role", "task", "event")
LOGS = ("changes", "touches", "next_steps")


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
        """`first_deal`, `rng_key` and `issued` let simulator.advance add a day's new deals after the
        existing ones: deal numbers, random streams and record ids continue instead of restarting."""
        self.config, self.org, self.plan, self.log, self.days, self.seed = config, org, plan, log, days, seed
        self.first_deal, self.rng_key = first_deal, rng_key
        self.cutoff = utc_time(today, 0) - dt.timedelta(seconds=1)  # the CRM is as of the start of today
        self.n_open = len(config.open_stages)
        self.stages = [*config.open_stages, config.won_stage, config.lost_stage]  # indexed by stage code
        self.ids = {kind: IdSequence(kind) for kind in TABLES[1:]}
        for kind, sequence in self.ids.items():
            sequence.issued = (issued or {}).get(kind, 0)
        self.dates = [to_date(day) for day in days]  # business-day index -> datetime.date
        self.edges = {name: _sort_by_deal(getattr(log, name), len(plan)) for name in LOGS}
        self.deal_columns = {
            name: getattr(plan, name).tolist()
            for name in ("rep", "account", "created_day", "deal_type", "stage", "buyer", "next_step")
        }

    def batches(self, size: int = 500) -> Iterator[dict[str, list[tuple]]]:
        """Rows per table for `size` deals at a time, so memory stays bounded by the batch."""
        for first in range(0, len(self.plan), size):
            last = min(first + size, len(self.plan))
            # The batch's log entries as Python lists: per-element numpy access costs ~10x more.
            self.batch = {name: self._log_lists(name, first, last) for name in LOGS}
            rows = {table: [] for table in TABLES}
            for deal in range(first, last):
                self._deal(deal, rows)
            yield rows

    def _log_lists(self, name: str, first: int, last: int) -> dict[str, list]:
        edges = self.edges[name]
        low, high = int(edges[first]), int(edges[last])
        columns = {k: v[low:high].tolist() for k, v in getattr(self.log, name).items()}
        columns["offset"] = low
        return columns

    def _entries(self, name: str, deal: int) -> range:
        """Positions of one deal's entries in the current batch's lists of log `name`."""
        edges, offset = self.edges[name], self.batch[name]["offset"]
        return range(int(edges[deal]) - offset, int(edges[deal + 1]) - offset)

    def _deal(self, deal: int, out: dict[str, list[tuple]]) -> None:
        plan, columns = self.plan, self.deal_columns
        rng = Draws(self.seed, *self.rng_key, deal)
        rep = self.org.reps[columns["rep"][deal]]
        account = columns["account"][deal]
        created_day = self.dates[columns["created_day"][deal]]
        ref = DealRef(
            opportunity_id=record_id("opportunity", self.first_deal + deal + 1),
            account_id=self.org.accounts[account][0],
            account_name=self.org.account_names[account],
            created_at=edit_time(created_day, rng, self.cutoff),
        )
        history = self._history(deal, ref, rng)
        trail = ActivityTrail(ref, rep, self.org.account_contacts[account], rng, self.ids, self.cutoff)
        opening = "Inbound demo request" if plan.lead_source[deal].strip().lower() == "inbound" else None
        trail.open_with(
            created_day,
            ref.created_at,
            bool(columns["buyer"][deal]),
            opening or rng.choice(text.NOTES_CONNECTED["early"]),
        )
        was_dark = self._replay_touches(deal, trail)
        next_step, next_step_at = self._next_step(deal, ref.created_at, rng)

        last = history[-1]
        is_won = last.stage_name == self.config.won_stage.name
        is_closed = is_won or last.stage_name == self.config.lost_stage.name
        loss_reason = None
        if is_closed and not is_won:
            engaged = trail.has_buyer and not was_dark
            loss_reason = rng.choice(text.LOSS_REASONS_ENGAGED if engaged else text.LOSS_REASONS_DISENGAGED)
        deal_type = columns["deal_type"][deal]
        product = "Seats expansion" if deal_type == 1 else rng.choice(text.PRODUCTS)
        # A defect: records imported without an owner. The rep still works the deal; the CRM lost who.
        owner_id = None if rng.random() < self.config.missing_owner_rate else rep.user_id
        out["opportunity"].append(
            OpportunityRow(
                ref.opportunity_id,
                ref.account_id,
                owner_id,
                f"{ref.account_name} - {product}",
                last.stage_name,
                last.amount,
                last.close_date,
                last.probability,
                last.forecast_category,
                next_step,
                text.OPPORTUNITY_TYPES[deal_type],
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

    def _history(self, deal: int, ref: DealRef, rng: Draws) -> list[HistoryRow]:
        c, rows = self.batch["changes"], []
        for i in self._entries("changes", deal):
            first = not rows
            at = ref.created_at if first else edit_time(self.dates[c["day"][i]], rng, self.cutoff)
            stage = self.stages[c["stage"][i]]
            rows.append(
                HistoryRow(
                    self.ids["opportunity_history"].next(),
                    ref.opportunity_id,
                    at,
                    stage.name,
                    _money(c["amount"][i]),
                    c["close"][i],
                    float(stage.default_probability),
                    self.log.categories[c["category"][i]],
                    at,
                )
            )
        return rows

    def _replay_touches(self, deal: int, trail: ActivityTrail) -> bool:
        """Write the deal's touches into its trail; returns whether it had gone dark when it closed."""
        t, was_dark = self.batch["touches"], False
        for i in self._entries("touches", deal):
            day = self.dates[t["day"][i]]
            if t["outcome"][i]:
                trail.close(day, won=t["outcome"][i] == 1)
                was_dark = bool(t["was_dark"][i])
                continue
            third = text.pipeline_third(t["stage"][i], self.n_open)
            gains = (bool(t["buyer_gain"][i]), bool(t["champion_gain"][i]), bool(t["thread_gain"][i]))
            trail.touch(day, third, bool(t["two_way"][i]), gains, bool(t["was_dark"][i]))
        return was_dark

    def _next_step(self, deal: int, created_at: dt.datetime, rng: Draws) -> tuple[str | None, dt.datetime]:
        """The next step field now, and when it last changed (it moves the record's modstamp)."""
        created_day = self.dates[self.deal_columns["created_day"][deal]]
        value = next_step_text(created_day, self.deal_columns["stage"][deal], self.n_open, rng)
        value = value if self.deal_columns["next_step"][deal] else None
        changed_at, n = created_at, self.batch["next_steps"]
        for i in self._entries("next_steps", deal):
            day = self.dates[n["day"][i]]
            changed_at = max(edit_time(day, rng, self.cutoff), changed_at)
            value = next_step_text(day, n["stage"][i], self.n_open, rng) if n["is_set"][i] else None
        return value, changed_at


def _money(value: float) -> float | None:
    return None if value != value else value  # NaN: the rep never entered an amount


def _sort_by_deal(columns: dict[str, np.ndarray], n_deals: int) -> np.ndarray:
    """Sort a log in place by deal (stable: day order within a deal is kept); entries of deal d are
    positions edges[d]:edges[d + 1]."""
    order = np.argsort(columns["deal"], kind="stable")
    for name in columns:
        columns[name] = columns[name][order]
    return np.searchsorted(columns["deal"], np.arange(n_deals + 1))
