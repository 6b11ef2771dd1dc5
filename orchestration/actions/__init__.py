"""Dagster assets and checks for one area of the chain."""
