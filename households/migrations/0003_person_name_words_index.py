"""A GIN index on the words of each person's name (PostgreSQL only), for the outbound check of
free text (households/outbound.py, `known_name_words`): the programme's names are looked up by
the words of a text without reading every row. Other databases (development on SQLite) scan."""

from django.db import migrations

INDEX = "households_person_name_words_gin"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON households_person "
            "USING gin (string_to_array(search_key, ' '))"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("households", "0002_import_batch")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
