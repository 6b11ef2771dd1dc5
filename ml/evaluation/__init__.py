"""Measure the champions: holdout metrics, the baselines, the truth on demo data, `momentum evaluate`."""
