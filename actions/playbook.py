"""Load and check the TMVA playbook (actions/playbook.yml)."""

from __future__ import annotations

import ast
import re
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


class PlaybookError(ValueError):
    """A playbook that cannot be used as written; the message names the file and the play to fix."""


def load_playbook(path: Path = DEFAULT_PLAYBOOK) -> Playbook:
    """The playbook, checked whole when it loads (every field, every expression's syntax), so a typo is
    reported naming its play and file before any deal is valued, not deep inside pandas."""
    try:
        spec = yaml.safe_load(Path(path).read_text())
    except yaml.YAMLError as error:
        raise PlaybookError(f"{path} is not valid YAML: {' '.join(str(error).split())}") from error
    if not isinstance(spec, dict) or not isinstance(spec.get("plays"), list):
        raise PlaybookError(f"{path} has no `plays:` list")
    plays = tuple(_parse_play(entry, path) for entry in spec["plays"])
    ids = [play.id for play in plays]
    duplicates = sorted({play_id for play_id in ids if ids.count(play_id) > 1})
    if duplicates:
        raise PlaybookError(f"{path}: play ids must be unique; repeated: {', '.join(duplicates)}")
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
    if not isinstance(entry, dict):
        raise PlaybookError(
            f"{path}: every entry of plays must be a mapping with {', '.join(REQUIRED_PLAY_KEYS)}"
        )
    where = f"play {entry.get('id', '?')!r} in {path}"
    missing = [key for key in REQUIRED_PLAY_KEYS if entry.get(key) is None]
    if missing:
        raise PlaybookError(f"{where} is missing {', '.join(missing)}")
    if entry["action_type"] not in ACTION_TYPES:
        raise PlaybookError(
            f"{where} has action_type {entry['action_type']!r}; use one of {', '.join(ACTION_TYPES)}"
        )
    if not isinstance(entry["counterfactual"], dict):
        raise PlaybookError(f"{where}: counterfactual must be a mapping of column: value or expression")
    _check_expression(str(entry["trigger"]), f"{where}: trigger")
    for column, value in entry["counterfactual"].items():
        if isinstance(value, str):
            _check_expression(value, f"{where}: counterfactual {column}")
    return Play(**{key: entry[key] for key in REQUIRED_PLAY_KEYS})


def _check_expression(expression: str, what: str) -> None:
    """Triggers and counterfactuals are pandas expressions, Python syntax with `back-quoted` column names:
    parse them (columns replaced by a name) to catch a syntax error with the play that holds it."""
    try:
        ast.parse(re.sub(r"`[^`]*`", "_column", expression).strip(), mode="eval")
    except SyntaxError as error:
        raise PlaybookError(f"{what} `{expression}` is not valid: {error.msg}") from None
