"""A model's extensions (and each version's) are stored as PostgreSQL `json`, the text sent, rather
than `jsonb` (modeler.fields.JSONTextField): nothing queries inside them, and jsonb's conversion
of every value sent and read was most of the server's work on an import. The values stored are
converted once here (`USING extensions::json`); changing the type drops the column's lz4
compression, which is set again (as 0005 set it)."""

from django.db import migrations

import modeler.fast_json
import modeler.fields

_COLUMNS = (("projects_model", "extensions"), ("projects_modelversion", "extensions"))


def use_lz4(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql" or connection.pg_version < 140000:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'"
        )
        row = cursor.fetchone()
        if not (row and row[0]):
            return
        for table, column in _COLUMNS:
            cursor.execute(f"ALTER TABLE {table} ALTER COLUMN {column} SET COMPRESSION lz4")


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0006_json_through_orjson"),
    ]

    operations = [
        migrations.AlterField(
            model_name="model",
            name="extensions",
            field=modeler.fields.JSONTextField(
                blank=True, decoder=modeler.fast_json.Decoder, encoder=modeler.fast_json.Encoder, null=True
            ),
        ),
        migrations.AlterField(
            model_name="modelversion",
            name="extensions",
            field=modeler.fields.JSONTextField(
                blank=True, decoder=modeler.fast_json.Decoder, encoder=modeler.fast_json.Encoder, null=True
            ),
        ),
        migrations.RunPython(use_lz4, migrations.RunPython.noop),
    ]
