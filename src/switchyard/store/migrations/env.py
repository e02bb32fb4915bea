"""Alembic environment: migrations run on the connection Switchyard hands over (see database.upgrade)."""

from alembic import context

from switchyard.store import config_tables, fleet_job_tables  # noqa: F401  (register their tables on Base.metadata)
from switchyard.store.tables import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through `switchyard db upgrade`, which provides the connection")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
