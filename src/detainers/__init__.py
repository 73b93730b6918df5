"""detainers."""
