"""Domain services: set-based queries and writes that flush but never commit."""
