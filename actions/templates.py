"""Fill a play's title, context and script with the facts of one deal.

The title and context are read by the rep, the script is said to the buyer: a fact the CRM lacks (no
contact, no account, no amount, no close date) gets a neutral phrase that reads well where it stands, in
the rep's words ("the main contact", "no account on the deal") or in the buyer's ("Hi there", "your company").
"""

from __future__ import annotations

from datetime import date

import pandas as pd

from actions.playbook import Play

# What the rep reads when the deal lacks the fact.
FOR_THE_REP = {
    "contact_name": "the main contact",
    "account_name": "the account (none on the deal)",
    "close_date": "no close date",
}
# What the rep says to the buyer when the deal lacks the fact (the buyer knows their own name and company).
TO_THE_BUYER = {
    "contact_first_name": "there",
    "account_name": "your company",
    "close_date": "what we discussed",
}


class _Facts(dict):
    """Template fields; a field the deal lacks renders as a neutral phrase instead of failing the run."""

    def __missing__(self, key: str) -> str:
        return "(unknown)"


def deal_facts(deal: pd.Series, as_of: date) -> _Facts:
    facts = _Facts({key: value for key, value in deal.items() if _present(value)})
    contact_name = str(facts.get("contact_name", "")).strip()
    if contact_name:
        facts["contact_first_name"] = contact_name.split()[0]
    facts["owner_first_name"] = str(facts.get("owner_name", "")).split(" ")[0] or "your account executive"
    facts["amount_text"] = (
        f"${float(deal['amount']):,.0f}" if _present(deal.get("amount")) else "amount not set"
    )
    close_date = deal.get("close_date")
    if _present(close_date):
        close_date = pd.Timestamp(close_date).date()
        facts["close_date"] = close_date.isoformat()
        facts["days_past_close"] = max((as_of - close_date).days, 0)
    facts["last_activity_text"] = _last_activity(deal, as_of)
    for column in ("days_in_stage", "days_since_last_activity", "contacts_engaged_90d"):
        if _present(deal.get(column)):
            facts[column] = int(deal[column])
    return facts


def render(play: Play, facts: _Facts) -> dict[str, str]:
    for_the_rep = _Facts({**TO_THE_BUYER, **FOR_THE_REP, **facts})
    to_the_buyer = _Facts({**FOR_THE_REP, **TO_THE_BUYER, **facts})
    return {
        "title": play.title.format_map(for_the_rep).strip(),
        "context": play.context.format_map(for_the_rep).strip(),
        "script": play.script.format_map(to_the_buyer).strip(),
    }


def _last_activity(deal: pd.Series, as_of: date) -> str:
    when = deal.get("last_activity_at")
    if not _present(when):
        return "none recorded"
    days = (as_of - pd.Timestamp(when).date()).days
    subject = deal.get("last_activity_subject")
    what = f"'{subject}'" if _present(subject) else "an activity"
    return f"{what} {days} days ago"


def _present(value) -> bool:
    if value is None:
        return False
    if isinstance(value, str) and not value.strip():
        return False
    try:
        return not pd.isna(value)
    except (TypeError, ValueError):
        return True
