"""Opening a database: engine, schema migration and catalog sync in one call.

It sits above `engine`, `migrations` and `sync` so that none of them imports another in a
circle."""

from __future__ import annotations

from db.engine import Database, database_url, make_engine
from db.migrations import migrate
from db.sync import sync_catalog
from metrics.catalog import Catalog


def open_database(catalog: Catalog, url: str | None = None, sync: bool = True) -> Database:
    """Create or migrate the schema and (by default) sync the catalog into it."""
    url = url or database_url(catalog)
    db = Database(make_engine(url), catalog, url)
    migrate(db)
    if sync:
        sync_catalog(db)
    return db
