"""Relational storage: SQLite (embedded default) and PostgreSQL through SQLAlchemy 2 Core."""
