"""Alembic environment of the feedback store: run programmatically by pipelines.feedback.store.migrate,
on the connection it passes (config.attributes["connection"])."""

from alembic import context

from pipelines.feedback.tables import metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
