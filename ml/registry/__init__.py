"""MLflow's model registry: the client, the pyfunc format, the challenger's review and the champion alias."""
