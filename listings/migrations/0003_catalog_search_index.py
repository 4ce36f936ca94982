"""The catalogue's full-text index, in each database's own way.

PostgreSQL: a GIN index on to_tsvector('simple', search_document); the document is already split
into words by jieba, so the 'simple' configuration indexes Chinese and English alike.
SQLite: an FTS5 table over the same column, kept in step by triggers on the catalogue table.
"""

from django.db import migrations

SQLITE_CREATE = [
    "CREATE VIRTUAL TABLE listings_catalog_fts USING fts5("
    "search_document, content='listings_catalogentry', content_rowid='listing_id')",
    "CREATE TRIGGER listings_catalog_fts_insert AFTER INSERT ON listings_catalogentry BEGIN "
    "INSERT INTO listings_catalog_fts(rowid, search_document) VALUES (new.listing_id, new.search_document); END",
    "CREATE TRIGGER listings_catalog_fts_delete AFTER DELETE ON listings_catalogentry BEGIN "
    "INSERT INTO listings_catalog_fts(listings_catalog_fts, rowid, search_document) "
    "VALUES ('delete', old.listing_id, old.search_document); END",
    "CREATE TRIGGER listings_catalog_fts_update AFTER UPDATE ON listings_catalogentry BEGIN "
    "INSERT INTO listings_catalog_fts(listings_catalog_fts, rowid, search_document) "
    "VALUES ('delete', old.listing_id, old.search_document); "
    "INSERT INTO listings_catalog_fts(rowid, search_document) VALUES (new.listing_id, new.search_document); END",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS listings_catalog_fts_update",
    "DROP TRIGGER IF EXISTS listings_catalog_fts_delete",
    "DROP TRIGGER IF EXISTS listings_catalog_fts_insert",
    "DROP TABLE IF EXISTS listings_catalog_fts",
]
POSTGRES_CREATE = [
    "CREATE INDEX listings_catalog_search_gin ON listings_catalogentry "
    "USING gin (to_tsvector('simple'::regconfig, search_document))",
]
POSTGRES_DROP = ["DROP INDEX IF EXISTS listings_catalog_search_gin"]


def create(apps, schema_editor):
    statements = {"sqlite": SQLITE_CREATE, "postgresql": POSTGRES_CREATE}.get(schema_editor.connection.vendor, [])
    for statement in statements:
        schema_editor.execute(statement)


def drop(apps, schema_editor):
    statements = {"sqlite": SQLITE_DROP, "postgresql": POSTGRES_DROP}.get(schema_editor.connection.vendor, [])
    for statement in statements:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("listings", "0002_reference_data")]
    operations = [migrations.RunPython(create, drop)]
