"""Faults a local CRM API server injects into write requests, at configured rates, for the crash campaigns and
the tests: the Salesforce server (simulator/salesforce_api/) and the HubSpot one (simulator/hubspot_api/) share
them. The server applies the request-level ones (429/503, slow answers, a connection dropped after the write was
committed); its write module applies the per-record failures."""

from __future__ import annotations

import random
from dataclasses import dataclass, field


@dataclass
class WriteFaults:
    """Fault rates for write requests (0 to 1), drawn from one seeded generator."""

    status_rate: float = 0.0
    """429 or 503 with Retry-After, before the write."""
    retry_after: int = 1
    slow_rate: float = 0.0
    slow_seconds: float = 0.2
    drop_after_write_rate: float = 0.0
    """The write is applied and committed, then the connection closes without an answer."""
    drop_next: int = 0
    """Drop the answers of the next N writes (then drop at `drop_after_write_rate`)."""
    record_failure_rate: float = 0.0
    seed: int | None = None
    rng: random.Random = field(init=False)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)

    def happens(self, rate: float) -> bool:
        return rate > 0 and self.rng.random() < rate

    def drops_answer(self) -> bool:
        if self.drop_next > 0:
            self.drop_next -= 1
            return True
        return self.happens(self.drop_after_write_rate)
