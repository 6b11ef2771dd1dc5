"""Salesforce record ids: 15 characters, case-sensitive; the API and most exports give 18 (the 15 plus a
3-character checksum of the letters' case, so case-blind tools can tell ids apart).

Momentum keys records by the 15-character form (staging: `macros/salesforce_id.sql`), so an id reads
the same whichever form a file or the API gave. `000000000000000AAA` is Salesforce's empty reference.
"""

from __future__ import annotations

NULL_KEY_15 = "000000000000000"
NULL_KEY_18 = "000000000000000AAA"
_CHECKSUM_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"


def to_18(record_id: str) -> str:
    """The 18-character form of a 15-character id (unchanged when it is not 15 characters)."""
    if len(record_id) != 15:
        return record_id
    suffix = ""
    for chunk in range(3):
        bits = sum(1 << i for i, char in enumerate(record_id[chunk * 5 : chunk * 5 + 5]) if char.isupper())
        suffix += _CHECKSUM_ALPHABET[bits]
    return record_id + suffix
