"""Load and check the TMVA playbook (actions/playbook.yml)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

DEFAULT_PLAYBOOK = Path(__file__).with_name("playbook.yml")
ACTION_TYPES = ("call", "email", "meeting", "research", "propose")
REQUIRED_PLAY_KEYS = (
    "id",
    "trigger",
    "action_type",
    "counterfactual",
    "prior_uplift",
    "title",
    "context",
    "script",
)


@dataclass(frozen=True)
class Play:
    id: str
    trigger: str
    action_type: str
    counterfactual: dict
    prior_uplift: float
    title: str
    context: str
    script: str


@dataclass(frozen=True)
class Playbook:
    plays: tuple[Play, ...]
    holdout_share: float
    actions_per_rep: int
    urgency_days: int
    urgency_multiplier: float
    repeat_after_days: int = 14
    """A (rep, deal, play) whose task the rep closed comes back after this many days (actions/acted_on.py)."""


def load_playbook(path: Path = DEFAULT_PLAYBOOK) -> Playbook:
    spec = yaml.safe_load(Path(path).read_text())
    plays = tuple(_parse_play(entry, path) for entry in spec["plays"])
    ids = [play.id for play in plays]
    duplicates = sorted({play_id for play_id in ids if ids.count(play_id) > 1})
    if duplicates:
        raise ValueError(f"{path}: play ids must be unique; repeated: {', '.join(duplicates)}")
    urgency = spec.get("quarter_end_urgency", {})
    return Playbook(
        plays=plays,
        holdout_share=float(spec.get("holdout_share", 0.1)),
        actions_per_rep=int(spec.get("actions_per_rep", 3)),
        urgency_days=int(urgency.get("days_before_quarter_end", 21)),
        urgency_multiplier=float(urgency.get("multiplier", 1.0)),
        repeat_after_days=int(spec.get("repeat_after_days", 14)),
    )


def _parse_play(entry: dict, path: Path) -> Play:
    missing = [key for key in REQUIRED_PLAY_KEYS if key not in entry]
    if missing:
        raise ValueError(f"{path}: play {entry.get('id', '?')!r} is missing {', '.join(missing)}")
    if entry["action_type"] not in ACTION_TYPES:
        raise ValueError(
            f"{path}: play {entry['id']!r} has action_type {entry['action_type']!r}; "
            f"use one of {', '.join(ACTION_TYPES)}"
        )
    return Play(**{key: entry[key] for key in REQUIRED_PLAY_KEYS})
