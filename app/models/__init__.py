"""The app's database models."""

from app.models.connection import ConnectionStatus, CronofyConnection
from app.models.event import ManagedEvent
from app.models.snapshot import DataSet, Snapshot
from app.models.user import User

__all__ = ["ConnectionStatus", "CronofyConnection", "DataSet", "ManagedEvent", "Snapshot", "User"]
