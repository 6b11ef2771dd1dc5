"""`sim init --config FILE`: a YAML file of DemoConfig fields laid over a preset.

    preset: demo            # optional base (default: the --preset given)
    stages:                 # e.g. renamed stages; each entry is a StageConfig
      - {name: Discovery, sort_order: 1, is_closed: false, is_won: false, default_probability: 10, forecast_category: Pipeline}
      ...
    latent: {advance_base: [0.15, 0.07, 0.035]}   # partial: merged into the preset's LatentParams
    tmva_completion_rate: 0.5

Unknown keys are an error, so a typo does not silently build the default org.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import yaml

from simulator.config import DemoConfig
from simulator.state import config_from_json


def load_config_file(path: str | Path, base: DemoConfig) -> DemoConfig:
    overrides = yaml.safe_load(Path(path).read_text()) or {}
    overrides.pop("preset", None)
    merged = dataclasses.asdict(base)
    unknown = set(overrides) - set(merged)
    if unknown:
        raise ValueError(f"unknown demo config keys in {path}: {', '.join(sorted(unknown))}")
    for key, value in overrides.items():
        merged[key] = {**merged[key], **value} if key in ("latent",) else value
    return config_from_json(json.dumps(merged))


def preset_named_in(path: str | Path) -> str | None:
    return (yaml.safe_load(Path(path).read_text()) or {}).get("preset")
