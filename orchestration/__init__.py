"""Dagster definitions for the whole morning chain, and the `momentum` command line."""
