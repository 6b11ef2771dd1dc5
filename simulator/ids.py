"""Salesforce-like record ids: a 3-character key prefix, a 2-character pod, a 10-digit number.

Numbers count up in generation order, so the same seed and the same today give the
same ids. Digits are valid base-62 characters, so the ids look like real 15-character ids.
"""

from __future__ import annotations

PREFIXES = {
    "account": "001",
    "contact": "003",
    "user": "005",
    "opportunity": "006",
    "opportunity_history": "008",
    "opportunity_contact_role": "00k",
    "task": "00T",
    "event": "00U",
    "forecast_submission": "0FS",
}
POD = "Dm"  # "demo": keeps demo ids apart from any real org's


def record_id(kind: str, number: int) -> str:
    return f"{PREFIXES[kind]}{POD}{number:010d}"


class IdSequence:
    """Hands out consecutive ids of one kind."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.issued = 0

    def next(self) -> str:
        self.issued += 1
        return record_id(self.kind, self.issued)
