"""The schema: Alembic's migrations build exactly the models' tables, on both databases."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from skillgym.envs.core.errors import ConfigurationError
from skillgym.hub_server.scores.database import HEAD_REVISION, MIGRATIONS, Database
from skillgym.hub_server.scores.models import Base


def test_the_head_revision_the_code_knows_is_alembics_head():
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    assert ScriptDirectory.from_config(config).get_current_head() == HEAD_REVISION


def test_migrations_build_the_schema_the_models_describe(database_url):
    database = Database.open(database_url)
    with database.engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    database.close()
    assert differences == []


def test_opening_a_migrated_database_again_changes_nothing(database_url):
    Database.open(database_url).close()
    database = Database.open(database_url)
    assert database.revision() == HEAD_REVISION
    database.close()


@pytest.mark.parametrize(
    "url",
    ["not a url", "postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=2"],
)
def test_a_database_that_cannot_be_used_says_so(url):
    with pytest.raises(ConfigurationError, match="database"):
        Database.open(url)
