"""The sales org and its market: users (reps and managers), accounts and their contacts.

Reps differ in what the CRM cannot see: skill (shifts the quality of deals they
source), activity level (how often they work a deal) and forecast style (sandbagger,
neutral, happy ears). Those stay in `Rep` for the simulator; only observable fields go
into the rows.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

import numpy as np

from simulator import text
from simulator.config import SEGMENTS, DemoConfig
from simulator.dates import local_time
from simulator.draws import Draws, cumulative
from simulator.ids import IdSequence

# (commit, stretch, best-case, new-business factor) for simulator/forecast_submissions.sql: a sandbagger calls ~15%
# under the commit pipeline and counts little of the business they will still create this quarter;
# happy ears call ~10% over, plus a third of best case and more new business than their run rate.
FORECAST_STYLES = {
    "sandbagger": (0.85, 0.0, 0.6, 0.35),
    "neutral": (1.05, 0.15, 0.9, 0.9),
    "happy_ears": (1.2, 0.45, 1.0, 1.3),
}
CONTACTS_PER_ACCOUNT = {"SMB": (4, 6), "MM": (5, 8), "ENT": (7, 12)}
EMPLOYEES = {"SMB": (20, 200), "MM": (200, 2_000), "ENT": (2_000, 50_000)}
SENIORITY_WEIGHTS = cumulative((0.35, 0.3, 0.2, 0.1, 0.05))  # IC, Manager, Director, VP, C-Level
REGION_WEIGHTS = cumulative(text.REGION_WEIGHTS)
REGIONS = tuple(text.REGION_TIMEZONES)


@dataclass
class Rep:
    user_id: str
    name: str
    segment: int  # index into SEGMENTS
    activity: int  # 0 low, 1 medium, 2 high
    skill: float
    forecast_style: str
    timezone: str
    accounts: list[int] = field(default_factory=list)


@dataclass
class Contact:
    contact_id: str
    seniority: str
    timezone: str
    name: str
    title: str


@dataclass
class Org:
    users: list[tuple] = field(default_factory=list)  # crm.user rows
    accounts: list[tuple] = field(default_factory=list)  # crm.account rows
    contacts: list[tuple] = field(default_factory=list)  # crm.contact rows
    reps: list[Rep] = field(default_factory=list)
    account_names: list[str] = field(default_factory=list)
    account_contacts: list[list[Contact]] = field(default_factory=list)  # the real people, no duplicates


def build_org(config: DemoConfig, start: dt.date, seed: int) -> Org:
    """The same org for the same (config, start, seed): simulator.advance rebuilds it instead of storing it."""
    rng, draws = np.random.default_rng([seed, 0]), Draws(seed, 0)
    org, names, user_ids = Org(), _unique_people(draws), IdSequence("user")
    n_reps = sum(len(team.rep_segments) for team in config.teams)
    # Balanced, shuffled mixes, so a seed changes who is who but not the org's overall shape:
    # activity levels and forecast styles in equal thirds, skills centred on zero.
    activity = rng.permutation(np.arange(n_reps) % 3)
    styles = rng.permutation(np.arange(n_reps) % 3)
    skills = rng.normal(0, 0.35, n_reps)
    skills = np.clip(skills - skills.mean(), -0.7, 0.7)
    for team in config.teams:
        manager_id, manager = user_ids.next(), next(names)
        joined = start - dt.timedelta(days=900)
        org.users.append(
            _user(config, manager_id, manager, "Sales Manager", None, team.name, None, joined, draws)
        )
        for segment in team.rep_segments:
            user_id, name = user_ids.next(), next(names)
            joined = start - dt.timedelta(days=draws.integers(60, 700))
            row = _user(
                config, user_id, name, "Account Executive", manager_id, team.name, segment, joined, draws
            )
            org.users.append(row)
            i = len(org.reps)
            skill, style = float(skills[i]), list(FORECAST_STYLES)[styles[i]]
            org.reps.append(
                Rep(user_id, name, SEGMENTS.index(segment), int(activity[i]), skill, style, row[7])
            )
    companies, account_ids, contact_ids = (
        _unique_companies(draws),
        IdSequence("account"),
        IdSequence("contact"),
    )
    for rep in org.reps:
        segment = SEGMENTS[rep.segment]
        for _ in range(config.accounts_per_rep[segment]):
            rep.accounts.append(len(org.accounts))
            account_id, name = account_ids.next(), next(companies)
            region = draws.weighted(REGIONS, REGION_WEIGHTS)
            low, high = EMPLOYEES[segment]
            employees = int(math.exp(draws.uniform(math.log(low), math.log(high))))
            created = local_time(start - dt.timedelta(days=draws.integers(30, 1500)), 10, rep.timezone)
            modified = min(
                created + dt.timedelta(days=draws.integers(0, 400)), local_time(start, 9, rep.timezone)
            )
            industry = draws.choice(text.INDUSTRIES)
            org.accounts.append(
                (account_id, name, industry, segment, employees, region, rep.user_id, created, modified)
            )
            org.account_names.append(name)
            people = _contacts(
                config, draws, account_id, name, segment, region, created, contact_ids, org.contacts
            )
            org.account_contacts.append(people)
    return org


def _user(config, user_id, name, role, manager_id, team, segment, joined, rng) -> tuple:
    timezone = rng.choice(text.REP_TIMEZONES)
    email = f"{name.lower().replace(' ', '.')}@{config.seller_domain}"
    stamp = local_time(joined, 9, timezone)
    return (user_id, name, email, role, manager_id, team, segment, timezone, True, stamp, stamp)


def _contacts(config, rng, account_id, account_name, segment, region, created, ids, rows) -> list[Contact]:
    low, high = CONTACTS_PER_ACCOUNT[segment]
    # Every account has someone who can sign (VP / C-Level) and someone who can champion it.
    seniorities = [rng.choice(("VP", "C-Level")), rng.choice(("Manager", "Director"))]
    extra = rng.integers(low, high + 1) - 2
    seniorities += rng.choices(text.SENIORITIES, cum_weights=SENIORITY_WEIGHTS, k=extra)
    domain = "".join(ch for ch in account_name.lower() if ch.isalnum()) + ".example"
    zones = text.REGION_TIMEZONES[region]
    people = []
    for seniority in seniorities:
        first, last = rng.choice(text.FIRST_NAMES), rng.choice(text.LAST_NAMES)
        title = rng.choice(text.TITLE_BY_SENIORITY[seniority])
        dept = text.C_LEVEL_DEPARTMENT.get(title) or rng.choice(text.DEPARTMENTS)
        title = title.format(dept=dept)
        timezone = zones[0] if rng.random() < 0.7 else rng.choice(zones)
        stamp = created + dt.timedelta(days=rng.integers(0, 30), minutes=rng.integers(0, 600))
        email = f"{first.lower()}.{last.lower()}@{domain}"
        contact_id = ids.next()
        rows.append(
            (contact_id, account_id, first, last, email, title, seniority, dept, timezone, stamp, stamp)
        )
        people.append(Contact(contact_id, seniority, timezone, f"{first} {last}", title))
        if rng.random() < config.duplicate_contact_rate:
            # The same person entered again weeks later: a trailing space and a shouted email, as in real CRMs.
            again = stamp + dt.timedelta(days=20)
            rows.append(
                (
                    ids.next(),
                    account_id,
                    first,
                    last + " ",
                    email.upper(),
                    title,
                    seniority,
                    dept,
                    timezone,
                    again,
                    again,
                )
            )
    return people


def _unique_people(rng: Draws):
    seen = set()
    while True:
        name = f"{rng.choice(text.FIRST_NAMES)} {rng.choice(text.LAST_NAMES)}"
        if name not in seen:
            seen.add(name)
            yield name


def _unique_companies(rng: Draws):
    seen = set()
    while True:
        parts = (
            rng.choice(text.COMPANY_FIRST),
            rng.choice(text.COMPANY_SECOND),
            rng.choice(text.COMPANY_SUFFIX),
        )
        name = " ".join(str(p) for p in parts if p)
        if name in seen:  # past ~900 accounts the word lists run out: number the repeats
            name = f"{name} {len(seen)}"
        seen.add(name)
        yield name
