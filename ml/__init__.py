"""The win and slip models: feature contract, training, MLflow tracking and registry, scoring with
explanations, and evaluation against baselines and (on demo data) the simulator's truth.

Plain Python (no Dagster): orchestration/ calls `train_win_model` / `train_slip_model` weekly,
`score_open_deals` every morning and `ml.evaluation.report.evaluate` for `momentum evaluate`; actions/ calls
`load_champion` to re-score counterfactual deals. ml/data/targets.py declares what differs between the models.
"""
