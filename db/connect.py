"""Opening a database: engine, schema migration and catalog sync in one call.

It sits above `engine`, `migrations` and `sync` so that none of them imports another in a
circle."""

from __future__ import annotations

from db import status_cache
from db.engine import Database, database_url, make_engine
from db.migrations import LATEST, migrate
from db.sync import sync_catalog_in, sync_digest
from metrics.catalog import Catalog


def open_database(catalog: Catalog, url: str | None = None, sync: bool = True) -> Database:
    """Create or migrate the schema and (by default) sync the catalog into it.

    The sync is skipped when the database says its catalog tables were last synced from
    this very catalog (db.status_cache.synced_already: one read); a dashboard or CLI start
    then takes no write lock and pays no comparison of every catalog row."""
    url = url or database_url(catalog)
    db = Database(make_engine(url), catalog, url)
    migrate(db)
    if sync:
        digest = sync_digest(db, LATEST)
        if not status_cache.synced_already(db, digest):
            with db.write() as conn:
                sync_catalog_in(conn, db)
                sync_id = status_cache.last_sync_id(conn)
            status_cache.mark_synced(db, digest, sync_id)
    return db
