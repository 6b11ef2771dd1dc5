"""The win model: feature contract, training, MLflow tracking and registry, scoring with explanations.

Plain Python (no Dagster): orchestration/ calls `train_win_model` weekly and `score_open_deals` every
morning; actions/ calls `load_champion` to re-score counterfactual deals.
"""
