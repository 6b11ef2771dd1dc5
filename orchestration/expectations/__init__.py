"""Data quality: Great Expectations suites as asset checks, and the Data Docs built after each run."""
