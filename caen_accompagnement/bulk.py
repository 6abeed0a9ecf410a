"""`insert_all`: many new rows of one model in one statement, as fast as the database takes them.

`QuerySet.bulk_create` prepares every value of every row in Python before sending them, which
costs most of an import's time (issue 14: 1,000 rows/s). On PostgreSQL this sends the rows with
`COPY … FROM STDIN` instead (psycopg adapts each Python value itself), after taking their keys
from the table's sequence in one query; elsewhere (SQLite) it is `bulk_create`. For plain rows:
no signals are sent (the project uses none), auto_now fields are set here, and the values must
already be what the field stores (str, int, bool, Decimal, date, aware datetime, None, a key).
"""

from django.db import connection


def insert_all(model, objs):
    """Insert `objs` (new instances of `model`); their primary keys are set. Returns them."""
    objs = list(objs)
    if not objs:
        return objs
    if connection.vendor != "postgresql":
        return model.objects.bulk_create(objs)
    meta = model._meta
    fields = meta.concrete_fields
    stamped = [
        f for f in fields if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
    ]
    without_key = [obj for obj in objs if obj.pk is None]
    with connection.cursor() as cursor:
        if without_key:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [meta.db_table, meta.pk.column, len(without_key)],
            )
            for obj, (key,) in zip(without_key, cursor.fetchall(), strict=True):
                setattr(obj, meta.pk.attname, key)
        columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
        table = connection.ops.quote_name(meta.db_table)
        # The driver's own cursor (Django's has no COPY); its errors become Django's
        # (IntegrityError…), as for any query.
        with (
            connection.wrap_database_errors,
            cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
        ):
            for obj in objs:
                for field in stamped:
                    field.pre_save(obj, add=True)
                copy.write_row([getattr(obj, f.attname) for f in fields])
    for obj in objs:
        obj._state.adding = False
        obj._state.db = connection.alias
    return objs


def update_all(model, objs, fields, batch_size=2000):
    """Write `fields` (attribute names) of `objs` (saved instances of `model`): on PostgreSQL
    one `UPDATE … FROM (VALUES …)` per `batch_size` rows, each value cast to its column's type
    (`bulk_update` builds a CASE per row and field in Python: most of its time beyond a few
    hundred rows); elsewhere `bulk_update`. Same values, no signals, no auto_now."""
    objs = list(objs)
    if not objs:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_update(objs, fields, batch_size=500)
        return
    meta = model._meta
    columns = [meta.pk] + [meta.get_field(name) for name in fields]
    quote = connection.ops.quote_name
    row = "(" + ", ".join(f"%s::{f.db_type(connection)}" for f in columns) + ")"
    sets = ", ".join(f"{quote(f.column)} = v.{quote(f.column)}" for f in columns[1:])
    names = ", ".join(quote(f.column) for f in columns)
    table, key = quote(meta.db_table), quote(meta.pk.column)
    with connection.cursor() as cursor:
        for start in range(0, len(objs), batch_size):
            chunk = objs[start : start + batch_size]
            cursor.execute(
                f"UPDATE {table} AS t SET {sets} FROM (VALUES {', '.join([row] * len(chunk))}) "
                f"AS v({names}) WHERE t.{key} = v.{key}",
                [
                    f.get_db_prep_save(getattr(obj, f.attname), connection)
                    for obj in chunk
                    for f in columns
                ],
            )
