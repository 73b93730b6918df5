"""The `detainers` command line (Typer)."""
