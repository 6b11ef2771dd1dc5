"""Salesforce Data Loader files: the CSV destination for teams that load Momentum's writes by hand."""
