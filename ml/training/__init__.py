"""Fit, calibrate and log a model: the in-memory predictor, the LightGBM fit, the MLflow run."""
