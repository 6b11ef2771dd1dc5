"""Great Expectations suites (YAML, versioned here), their registry, and the engine that runs them in SQL."""
