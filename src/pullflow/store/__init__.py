"""Storage: tables, the mapping of domain objects to them, migrations and the unit of work."""

from pullflow.store.engine import StoreUnavailable
from pullflow.store.schema import NotInitialised, initialise
from pullflow.store.unit_of_work import SqlUnitOfWork, Store

__all__ = ["NotInitialised", "SqlUnitOfWork", "Store", "StoreUnavailable", "initialise"]
