"""The migrations build exactly the schema the models describe, on every database."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from app.extensions import db
from tests.live import ROOT


def test_models_and_migrations_agree(app):
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection)
        assert compare_metadata(context, db.metadata) == []


def test_no_create_all_in_application_code():

    root = ROOT / "app"
    offenders = [p for p in root.rglob("*.py") if "create_all(" in p.read_text()]
    assert offenders == []
