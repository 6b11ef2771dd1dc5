"""The walk-forward forecast backtest: the AI forecast of every past week as the morning job would have made it."""
