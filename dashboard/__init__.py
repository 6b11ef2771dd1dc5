"""Leadership's dashboard: the forecast, its accuracy, pipeline health, win-loss, execution and the models.

A Streamlit app (`momentum dashboard`, dashboard/launch.py) that reads the marts and the reporting models of
dbt_project/models/dashboards as the read-only role momentum_dashboard (warehouse/reader.py). Pages only select
and draw: every aggregation they show is a dbt model (README "Dashboard").
"""
