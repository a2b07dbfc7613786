"""SQLAlchemy storage for studybot: `await Database.connect(url)`, then `database.unit_of_work()` per command."""

from storage.database import Database, create_engine, current_revision, downgrade, upgrade
from storage.errors import SchemaTooNew
from storage.unit_of_work import SqlUnitOfWork

__all__ = ["Database", "SchemaTooNew", "SqlUnitOfWork", "create_engine", "current_revision", "downgrade", "upgrade"]
