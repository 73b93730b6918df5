"""`python -m detainers` runs the command line."""

from detainers.entrypoints.cli.app import main

main()
