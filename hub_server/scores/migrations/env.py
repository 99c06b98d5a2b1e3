"""Alembic's entry: migrations run on the connection the hub hands over."""

from alembic import context

from skillgym.hub_server.scores.models import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError(
        "SkillGym's migrations run through Database.migrate(), which supplies the connection."
    )
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
