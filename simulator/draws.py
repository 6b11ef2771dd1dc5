"""Scalar random draws for the visible details of the demo CRM: names, notes, hours, which contact.

The latent process steps all deals at once with numpy (simulator.latent). The rows, though, are
written one record at a time, and there numpy's Generator costs ~1-15 us per scalar call (rng.choice
over a short list converts it to an array every time) against ~0.05-0.3 us for Python's own Mersenne
Twister. Building the large preset makes ~30M such draws, so this is the difference between minutes
and a quarter of an hour. Each stream is seeded from a tuple of non-negative ints (seed, purpose,
deal, ...), so a deal's details never depend on how many other deals were drawn before it.
"""

from __future__ import annotations

import random
from bisect import bisect
from collections.abc import Sequence
from itertools import accumulate

KEY_BITS = 64


class Draws(random.Random):
    """random.Random seeded from a key of non-negative ints, with numpy-like helper names."""

    def __init__(self, *key: int) -> None:
        if any(k < 0 or k >= 1 << KEY_BITS for k in key):
            raise ValueError(f"random stream key parts must be in [0, 2**{KEY_BITS}): {key}")
        # Packing the parts side by side (and the count on top) gives each key its own seed integer.
        packed = len(key)
        for part in key:
            packed = (packed << KEY_BITS) | part
        super().__init__(packed)

    def integers(self, low: int, high: int | None = None) -> int:
        """An int in [low, high), or in [0, low) with one argument (numpy's convention)."""
        if high is None:
            low, high = 0, low
        return low + int(self.random() * (high - low))

    def weighted(self, items: Sequence, cumulative_weights: Sequence[float]):
        """One item drawn with the given cumulative weights (see `cumulative`)."""
        position = bisect(cumulative_weights, self.random() * cumulative_weights[-1])
        return items[min(position, len(items) - 1)]  # min: float rounding can land on the very top


def cumulative(weights: Sequence[float]) -> list[float]:
    """Cumulative weights for `Draws.weighted`: computed once per list instead of on every draw."""
    return list(accumulate(weights))
