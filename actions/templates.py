"""Fill a play's title, context and script with the facts of one deal."""

from __future__ import annotations

from datetime import date

import pandas as pd

from actions.playbook import Play


class _Facts(dict):
    """Template fields; a field the deal lacks renders as a neutral phrase instead of failing the run."""

    def __missing__(self, key: str) -> str:
        return "(unknown)"


def deal_facts(deal: pd.Series, as_of: date) -> _Facts:
    facts = _Facts({key: value for key, value in deal.items() if _present(value)})
    contact_name = facts.get("contact_name") or "your main contact"
    facts["contact_name"] = contact_name
    facts["contact_first_name"] = str(contact_name).split(" ")[0] if facts.get("contact_name") else "there"
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
    return {field: getattr(play, field).format_map(facts).strip() for field in ("title", "context", "script")}


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
    try:
        return not pd.isna(value)
    except (TypeError, ValueError):
        return True
