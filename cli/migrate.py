"""Run each service's alembic history against one database."""

from alembic import command
from alembic.config import Config

from common.postgres_server import REPO_ROOT

SCHEMAS = ("actions", "partners", "metrics")
ALEMBIC_INI = REPO_ROOT / "migrations" / "alembic.ini"


def alembic_config(schema: str, database_url: str) -> Config:
    config = Config(str(ALEMBIC_INI), ini_section=schema)
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade_all(database_url: str, revision: str = "head") -> None:
    for schema in SCHEMAS:
        command.upgrade(alembic_config(schema, database_url), revision)


def downgrade(schema: str, database_url: str, revision: str = "base") -> None:
    command.downgrade(alembic_config(schema, database_url), revision)
