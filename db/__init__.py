"""The database layer: every query, every write and every permission check."""
