"""Loading records: discovery, safe YAML, schemas, and locations of findings."""
