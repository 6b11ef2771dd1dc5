"""Which deals get created, when, for whom, and what they start out as.

Each rep sources deals as a Poisson process over business days. A deal's latent
quality (how much the buyer needs it) shifts with the rep's skill, the deal type
(renewals and expansions are warmer) and the lead source (referrals beat cold outbound).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from simulator import text
from simulator.config import SEGMENTS, DemoConfig
from simulator.dates import DAYS_PER_MONTH
from simulator.org import Org

BUSINESS_DAYS_PER_MONTH = DAYS_PER_MONTH * 5 / 7
TYPE_QUALITY_SHIFT = np.array([0.0, 0.3, 0.6])  # New Business, Expansion, Renewal
SOURCE_QUALITY_SHIFT = np.array([0.1, -0.3, 0.2, 0.4, 0.0])  # Inbound, Outbound, Partner, Referral, Event
TYPE_AMOUNT_FACTOR = np.array([1.0, 0.5, 0.8])
QUALITY_BASELINE = -1.6  # most pipeline is weak: about 30% of closed deals are won
QUALITY_SPREAD = 0.9
# Some first contacts are the budget holder already: founders in SMB, rarely in ENT.
BUYER_AT_START = np.array([0.25, 0.1, 0.03])
NEXT_STEP_AT_START = 0.7
STAGE_SKIP_AT_START = 0.1  # entered straight at the second open stage, skipping the first


@dataclass
class DealPlan:
    rep: np.ndarray
    account: np.ndarray
    created_day: np.ndarray  # index into the business-day calendar
    segment: np.ndarray
    activity: np.ndarray
    quality: np.ndarray  # index into LatentParams.quality_levels
    deal_type: np.ndarray
    lead_source: list[str]
    amount: np.ndarray  # nan where the rep never entered one
    first_close: np.ndarray  # datetime64[D]
    stage: np.ndarray
    buyer: np.ndarray
    next_step: np.ndarray

    def __len__(self) -> int:
        return len(self.rep)

    def take(self, deals: slice) -> DealPlan:
        """The plan of a run of consecutive deals (simulator.chunks builds the deals chunk by chunk)."""
        return DealPlan(**{f.name: getattr(self, f.name)[deals] for f in dataclasses.fields(self)})


def plan_deals(config: DemoConfig, org: Org, days: np.ndarray, rng: np.random.Generator) -> DealPlan:
    rates = (
        np.array([config.deals_per_rep_month[SEGMENTS[r.segment]] for r in org.reps])
        / BUSINESS_DAYS_PER_MONTH
    )
    counts = rng.poisson(rates[None, :], size=(len(days), len(org.reps)))
    day_index, rep = np.nonzero(counts)  # ordered by day, then rep: deal numbers follow creation order
    day_index, rep = np.repeat(day_index, counts[day_index, rep]), np.repeat(rep, counts[day_index, rep])
    n = len(rep)
    segment = np.array([r.segment for r in org.reps], dtype=np.int64)[rep]
    # Each rep's accounts are one contiguous run of account numbers (simulator.org builds them so).
    first_account = np.array([r.accounts[0] for r in org.reps])[rep]
    account = first_account + (rng.random(n) * np.array([len(r.accounts) for r in org.reps])[rep]).astype(int)
    deal_type = rng.choice(len(text.OPPORTUNITY_TYPES), size=n, p=text.OPPORTUNITY_TYPE_WEIGHTS)
    source = rng.choice(len(text.LEAD_SOURCES), size=n, p=text.LEAD_SOURCE_WEIGHTS)
    skill = np.array([r.skill for r in org.reps])[rep]
    quality = _discrete_normal(
        np.asarray(config.latent.quality_levels), quality_mean(skill, deal_type, source), rng
    )

    medians = np.array([config.amount_median[s] for s in SEGMENTS])[segment] * TYPE_AMOUNT_FACTOR[deal_type]
    amount = np.round(medians * np.exp(rng.normal(0, config.amount_sigma, n)), -2)
    amount[rng.random(n) < config.missing_amount_rate] = np.nan
    cycle = np.array([config.first_close_days[s] for s in SEGMENTS])[segment]
    first_close = days[day_index] + np.round(cycle * rng.uniform(0.6, 1.4, n)).astype("timedelta64[D]")
    stage = (rng.random(n) < STAGE_SKIP_AT_START).astype(np.int64)
    return DealPlan(
        rep=rep,
        account=account,
        created_day=day_index,
        segment=segment,
        activity=np.array([r.activity for r in org.reps], dtype=np.int64)[rep],
        quality=quality,
        deal_type=deal_type,
        lead_source=_noisy(source, config.lead_source_noise_rate, rng),
        amount=amount,
        first_close=first_close,
        stage=stage,
        buyer=(rng.random(n) < BUYER_AT_START[segment]).astype(np.int64),
        next_step=(rng.random(n) < NEXT_STEP_AT_START).astype(np.int64),
    )


def quality_probabilities(levels: np.ndarray, mean: np.ndarray) -> np.ndarray:
    """P(quality level) for each deal's mean: a normal of QUALITY_SPREAD put onto the levels grid."""
    weights = np.exp(-0.5 * ((levels[None, :] - np.asarray(mean)[:, None]) / QUALITY_SPREAD) ** 2)
    return weights / weights.sum(axis=1, keepdims=True)


def quality_mean(skill, deal_type, source):
    return QUALITY_BASELINE + skill + TYPE_QUALITY_SHIFT[deal_type] + SOURCE_QUALITY_SHIFT[source]


def _discrete_normal(levels: np.ndarray, mean: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    cumulative = np.cumsum(quality_probabilities(levels, mean), axis=1)
    return np.minimum((cumulative < rng.random(len(mean))[:, None]).sum(axis=1), len(levels) - 1)


def _noisy(source: np.ndarray, rate: float, rng: np.random.Generator) -> list[str]:
    """Picklist values typed by hand in an import: stray whitespace and case, at `rate`."""
    noisy, variant = rng.random(len(source)) < rate, rng.integers(4, size=len(source))
    values = [text.LEAD_SOURCES[s] for s in source.tolist()]
    for i in np.nonzero(noisy)[0].tolist():
        value = values[i]
        values[i] = (value.lower(), value.upper(), f" {value}", f"{value} ")[variant[i]]
    return values
