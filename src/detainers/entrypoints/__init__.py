"""Entrypoints: the ways in (command line now; HTTP API, pages and the worker later). Thin by rule."""
