"""Adapters: the ports' implementations over real infrastructure (databases, the clock, files)."""
