"""Item pipelines: normalisation, then storage."""
