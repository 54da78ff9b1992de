"""A model's extensions (and each version's) are stored as PostgreSQL `json`, the text sent, rather
than `jsonb` (modeler.fields.JSONTextField): nothing queries inside them, and jsonb's conversion
of every value sent and read was most of the server's work on an import. The values stored are
converted once here (`USING extensions::json`); changing the type drops the column's lz4
compression, which 0005's `use_lz4` sets again."""

from importlib import import_module

from django.db import migrations

import modeler.fast_json
import modeler.fields

# 0005, whose use_lz4 is run again: it sets every large column (the others have it already).
_MIGRATION_0005 = import_module("projects.migrations.0005_model_derived_files")


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
        migrations.RunPython(_MIGRATION_0005.use_lz4, migrations.RunPython.noop),
    ]
