"""Set-based writes the ORM lacks: the batch paths' one statement for many rows."""

from collections.abc import Iterable, Mapping, Sequence

from django.db import connection, models


def link_each(model: type[models.Model], field: str, links: Mapping[int, int], *, key="pk") -> int:
    """Point the foreign key ``field`` of each row whose ``key`` is in ``links`` at its id there,
    in one ``UPDATE … FROM`` a ``VALUES`` list: Django's ``bulk_update`` builds a CASE branch per row,
    which the database evaluates for every row (quadratic time). Returns how many rows changed."""
    if not links:
        return 0
    meta = model._meta
    table = connection.ops.quote_name(meta.db_table)
    target = connection.ops.quote_name(meta.get_field(field).column)
    matched = meta.pk if key == "pk" else meta.get_field(key)
    column = connection.ops.quote_name(matched.column)
    rows = ", ".join(["(CAST(%s AS BIGINT), CAST(%s AS BIGINT))"] * len(links))
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH linked(k, value) AS (VALUES {rows}) "
            f"UPDATE {table} SET {target} = linked.value FROM linked WHERE {table}.{column} = linked.k",
            [number for pair in links.items() for number in pair],
        )
        return cursor.rowcount


def insert(model: type[models.Model], fields: Sequence[str], rows: Iterable[tuple]) -> None:
    """Insert ``rows`` (each the values of ``fields``, in order, prepared by each field as the ORM
    prepares them) into ``model``'s table without making model instances: PostgreSQL's COPY, else
    one ``executemany``. For append-only rows written by the thousand whose ids no caller needs
    (events, clearing lines); give every field the ORM would fill in (``created_at`` …)."""
    meta = model._meta
    prepared = [meta.get_field(name) for name in fields]
    columns = ", ".join(connection.ops.quote_name(field.column) for field in prepared)
    table = connection.ops.quote_name(meta.db_table)
    values = (
        tuple(
            field.get_db_prep_save(value, connection)
            for field, value in zip(prepared, row, strict=True)
        )
        for row in rows
    )
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with (
                connection.wrap_database_errors,
                cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
            ):
                for row in values:
                    copy.write_row(row)
            return
        marks = ", ".join(["%s"] * len(prepared))
        cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", list(values))


def create(objs: Sequence[models.Model]) -> list[models.Model]:
    """``bulk_create`` for thousands of new rows of one model: on PostgreSQL their ids are drawn
    from the table's sequence in one query and the rows streamed in by COPY (no statement of tens
    of thousands of parameters to build and parse); elsewhere ``bulk_create`` itself. The
    instances come back saved, ids set."""
    objs = list(objs)
    if not objs:
        return objs
    model = type(objs[0])
    if connection.vendor != "postgresql" or len(objs) < 50:
        return model.objects.bulk_create(objs)
    meta = model._meta
    fields = meta.concrete_fields
    table = connection.ops.quote_name(meta.db_table)
    columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [meta.db_table, meta.pk.column, len(objs)],
        )
        ids = sorted(row[0] for row in cursor.fetchall())
        for obj, pk in zip(objs, ids, strict=True):
            obj.pk = pk
        with (
            connection.wrap_database_errors,
            cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
        ):
            for obj in objs:
                copy.write_row(
                    [
                        field.get_db_prep_save(field.pre_save(obj, True), connection)
                        for field in fields
                    ]
                )
    for obj in objs:
        obj._state.adding, obj._state.db = False, connection.alias
    return objs
