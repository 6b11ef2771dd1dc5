"""Watch the champions in use: feature drift and calibration since training."""
