"""The hub's scores: runs, episodes and API tokens in one SQL database.

SQLite by default, PostgreSQL by URL, through the same SQLAlchemy code; Alembic
migrations evolve the schema. :class:`~skillgym.hub_server.scores.store.ScoreStore`
is what the routes, the CLI and the benchmark use.
"""
