"""Persistence: SQLAlchemy 2 (async) tables, Alembic migrations, repositories, the write-behind recorder."""
