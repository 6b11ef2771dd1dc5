"""One deal's buying group and activity trail: contact roles, calls, emails and meetings.

The latent step decides *that* a rep worked a deal and whether it became a two-way
conversation; this module decides the visible details. A two-way touch is a meeting or
a connected call, a one-way touch an email or a call that hit voicemail / rang out.
Calls pick the contact and the contact's local hour in proportion to the rep's calling
habit times the chance to connect (or not): so the observed connect rate rises and falls
by hour and seniority with CONNECT_BY_SENIORITY x HOUR_LIFT, the curve a TMVA's timing
should find (8-9am and 4-5pm local beat lunchtime by ~1.7x).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from simulator import text
from simulator.dates import local_time, utc_time
from simulator.draws import Draws, cumulative
from simulator.org import Contact, Rep

CONNECT_BY_SENIORITY = {"IC": 0.45, "Manager": 0.38, "Director": 0.3, "VP": 0.22, "C-Level": 0.15}
HOURS = tuple(range(8, 18))
# People pick up early and late in their day, not around lunch.
HOUR_LIFT = np.array([1.35, 1.2, 1.0, 0.9, 0.65, 0.75, 0.9, 1.0, 1.3, 1.15])
# ...while reps call mid-morning and mid-afternoon: the gap a well-timed TMVA closes.
REP_CALL_HABIT = np.array([0.4, 0.8, 1.2, 1.3, 0.7, 1.1, 1.3, 1.2, 0.8, 0.4])
EDIT_HOURS_UTC = (13.0, 23.0)  # reps edit the CRM during the US working day: 13:00-23:00 UTC, same date


def _call_weights(seniority: str, connected: bool) -> tuple[float, list[float]]:
    """How likely a call to this seniority at each local hour is to be the one logged (and connect or not):
    the rep's habit x the chance of that outcome. Returns the total (to pick whom) and the cumulative
    weights over HOURS (to pick when)."""
    reach = CONNECT_BY_SENIORITY[seniority] * HOUR_LIFT
    weights = REP_CALL_HABIT * (reach if connected else 1 - reach)
    return float(weights.sum()), cumulative(weights.tolist())


CALL_WEIGHTS = {(s, c): _call_weights(s, c) for s in CONNECT_BY_SENIORITY for c in (True, False)}
MEETING_SHARE = {"early": 0.45, "middle": 0.4, "late": 0.35}  # of two-way touches
SENIOR = ("VP", "C-Level")
BUYER_ROLE, CHAMPION_ROLE = "Economic Buyer", "Champion"
NO_AI_FIELDS = (None,) * 7  # crm.task's ai_* columns: only Momentum's own TMVA tasks fill them


@dataclass(frozen=True)
class DealRef:
    opportunity_id: str
    account_id: str
    account_name: str
    created_at: dt.datetime


class ActivityTrail:
    """Builds one deal's role, task and event rows, touch by touch, in day order."""

    def __init__(
        self,
        deal: DealRef,
        rep: Rep,
        contacts: list[Contact],
        rng: Draws,
        ids: dict,
        cutoff: dt.datetime,
    ) -> None:
        self.deal, self.rep, self.contacts, self.rng, self.ids = deal, rep, contacts, rng, ids
        self.cutoff = cutoff  # nothing may be stamped at or after the start of today
        self.engaged: list[Contact] = []
        self.has_buyer = False
        self.roles: list[tuple] = []
        self.tasks: list[tuple] = []
        self.events: list[tuple] = []

    def open_with(self, day: dt.date, created_at: dt.datetime, buyer: bool, note: str) -> None:
        """The conversation that created the deal: its first contact role, and a call (or, with an
        executive, a meeting: nobody cold-calls their way to a C-level)."""
        pool = [c for c in self.contacts if (c.seniority in SENIOR) == buyer]
        contact = pool[int(self.rng.integers(len(pool)))]
        role = BUYER_ROLE if buyer else self.rng.choice(text.SUPPORTING_ROLES)
        self._add_role(contact, role, created_at, primary=True)
        if buyer:
            self._meeting(day, "early", contact, note)
        else:
            self._call(day, contact, connected=True, note=note)

    def touch(
        self, day: dt.date, third: str, two_way: bool, gains: tuple[bool, bool, bool], was_dark: bool
    ) -> None:
        buyer_gain, champion_gain, thread_gain = gains
        new = None
        if buyer_gain:
            new = self._engage(lambda c: c.seniority in SENIOR, BUYER_ROLE, day)
        if champion_gain:
            new = self._engage(lambda c: c.seniority in ("Manager", "Director"), CHAMPION_ROLE, day) or new
        if thread_gain:
            new = self._engage(lambda c: True, self.rng.choice(text.SUPPORTING_ROLES), day) or new
        if two_way:
            note = self._conversation_note(third, buyer_gain, champion_gain, thread_gain)
            if (new is not None and new.seniority in SENIOR) or self.rng.random() < MEETING_SHARE[third]:
                self._meeting(day, third, new or self._pick(), note)
            else:
                self._call(day, new, connected=True, note=note)
            if self.rng.random() < 0.4:
                self._email(day, new or self._pick(), self.rng.choice(text.NOTES_EMAIL), hour=17.0)
        elif self.rng.random() < 0.55:
            self._email(
                day,
                self._pick(),
                self.rng.choice(text.NOTES_EMAIL_DARK if was_dark else text.NOTES_EMAIL),
            )
        else:
            self._call(day, None, connected=False, note="")

    def close(self, day: dt.date, won: bool) -> None:
        if won or self.rng.random() < 0.6:
            notes = text.NOTES_WON if won else text.NOTES_LOST
            self._email(day, self._pick(), self.rng.choice(notes))

    def _engage(self, fits, role: str, day: dt.date) -> Contact | None:
        free = [c for c in self.contacts if c not in self.engaged]
        # Keep one signer free until the economic buyer is in, so that gain always has someone to land on.
        reserve = (
            [] if self.has_buyer or role == BUYER_ROLE else [c for c in free if c.seniority in SENIOR][:1]
        )
        pool = [c for c in free if fits(c) and c not in reserve] or [c for c in free if c not in reserve]
        if not pool:
            return None
        contact = pool[int(self.rng.integers(len(pool)))]
        self._add_role(
            contact, role, local_time(day, 9 + 8 * self.rng.random(), self.rep.timezone), primary=False
        )
        return contact

    def _add_role(self, contact: Contact, role: str, at: dt.datetime, primary: bool) -> None:
        at = min(at, self.cutoff)
        self.engaged.append(contact)
        self.has_buyer |= role == BUYER_ROLE
        role_id = self.ids["opportunity_contact_role"].next()
        self.roles.append((role_id, self.deal.opportunity_id, contact.contact_id, role, primary, at, at))

    def _pick(self) -> Contact:
        return self.engaged[int(self.rng.integers(len(self.engaged)))]

    def _call(self, day: dt.date, contact: Contact | None, connected: bool, note: str) -> None:
        people = [contact] if contact else self.engaged
        # Whom, then when: the same joint distribution as drawing (person, hour) in one go.
        if len(people) > 1:
            totals = cumulative([CALL_WEIGHTS[c.seniority, connected][0] for c in people])
            person = self.rng.weighted(people, totals)
        else:
            person = people[0]
        hour = self.rng.weighted(HOURS, CALL_WEIGHTS[person.seniority, connected][1])
        at = local_time(day, hour + self.rng.random(), person.timezone)
        if connected:
            disposition, seconds = "Connected", int(self.rng.lognormvariate(6.0, 0.6))
        elif self.rng.random() < 0.6:
            disposition, seconds = "Left Voicemail", int(self.rng.integers(20, 70))
            note = self.rng.choice(text.NOTES_VOICEMAIL)
        else:
            disposition, seconds = "No Answer", int(self.rng.integers(15, 35))
            note = self.rng.choice(text.NOTES_NO_ANSWER)
        self._task(person, "Call", day, at, disposition, seconds, note)

    def _email(self, day: dt.date, contact: Contact, note: str, hour: float | None = None) -> None:
        at = local_time(day, hour if hour is not None else 8 + 9 * self.rng.random(), self.rep.timezone)
        self._task(contact, "Email", day, at, None, None, note)

    def _task(self, contact, kind, day, at, disposition, seconds, note) -> None:
        at = min(at, self.cutoff)
        logged = min(at + dt.timedelta(minutes=int(self.rng.integers(1, 20))), self.cutoff)
        subject = f"Call with {contact.name}" if kind == "Call" else f"Email: {note.split(',')[0][:60]}"
        who = (self.deal.opportunity_id, contact.contact_id, self.deal.account_id, self.rep.user_id)
        done = ("Completed", "Normal", day, at, disposition, seconds, note, logged, logged)
        self.tasks.append((self.ids["task"].next(), *who, subject, kind, *done, *NO_AI_FIELDS))

    def _meeting(self, day: dt.date, third: str, contact: Contact, note: str) -> None:
        kind = self.rng.choice(text.MEETING_TYPES[third])
        length = dt.timedelta(minutes=120 if kind == "Onsite" else int(self.rng.choice([30, 45, 60])))
        # A late-evening meeting (in UTC) on the last simulated day ends before the cutoff, not after.
        start = min(
            local_time(day, 9 + int(self.rng.integers(0, 15)) / 2, contact.timezone), self.cutoff - length
        )
        end = start + length
        booked = max(start - dt.timedelta(days=int(self.rng.integers(1, 8))), self.deal.created_at)
        # Notes go in right after the meeting; that edit is the event's last modification.
        edited = max(min(end + dt.timedelta(minutes=10), self.cutoff), booked)
        subject = f"{self.rng.choice(text.MEETING_SUBJECTS[third])} - {self.deal.account_name}"
        who = (self.deal.opportunity_id, contact.contact_id, self.deal.account_id, self.rep.user_id)
        self.events.append((self.ids["event"].next(), *who, subject, kind, start, end, note, booked, edited))

    def _conversation_note(self, third: str, buyer_gain: bool, champion_gain: bool, thread_gain: bool) -> str:
        if buyer_gain:
            return self.rng.choice(text.NOTES_BUYER_GAINED)
        if champion_gain:
            return self.rng.choice(text.NOTES_CHAMPION_GAINED)
        if thread_gain:
            return self.rng.choice(text.NOTES_THREAD_GAINED)
        if third == "late" and not self.has_buyer and self.rng.random() < 0.6:
            return self.rng.choice(text.NOTES_NO_BUYER_LATE)
        return self.rng.choice(text.NOTES_CONNECTED[third])


def edit_time(day: dt.date, rng: Draws, cutoff: dt.datetime) -> dt.datetime:
    """When a rep edits a record on `day`: some time in the US working day, never at or after `cutoff`."""
    low, high = EDIT_HOURS_UTC
    return min(utc_time(day, low + (high - low) * rng.random()), cutoff)


def next_step_text(day: dt.date, stage: int, n_open: int, rng: Draws) -> str:
    """What a rep types into the next-step field: a step for the deal's part of the pipeline, and a date."""
    step = rng.choice(text.NEXT_STEPS[text.pipeline_third(stage, n_open)])
    return f"{step} ({day + dt.timedelta(days=rng.integers(2, 10)):%m/%d})"
