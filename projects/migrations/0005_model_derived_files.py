"""Model.derived_files: the derived files (a process's extensions file) stored with each model, so
that the export reads them instead of making them again; filled here for the models that exist.

On PostgreSQL (14 or later, built with lz4) the large values (contents, extensions, derived files)
are compressed with lz4 from now on instead of pglz: the same bytes, stored several times faster.
Values already stored keep their compression.
"""

from django.db import migrations, models

_LARGE_COLUMNS = {
    "projects_model": ("content", "extensions", "derived_files"),
    "projects_modelversion": ("content", "extensions"),
}


def fill_derived_files(apps, schema_editor):
    from projects.model_types import registered_types

    types = {mtype.name: mtype for mtype in registered_types()}
    Model = apps.get_model("projects", "Model")
    rows = Model.objects.only("id", "type", "name", "content", "extensions").order_by("pk")
    for row in rows.iterator(chunk_size=50):
        mtype = types.get(row.type)
        if mtype is None:  # a type no app registers any more: nothing to make
            continue
        packed = mtype.packed_derived_files(str(row.pk), row.name, bytes(row.content), row.extensions)
        Model.objects.filter(pk=row.pk).update(derived_files=packed)


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
        for table, columns in _LARGE_COLUMNS.items():
            for column in columns:
                cursor.execute(f"ALTER TABLE {table} ALTER COLUMN {column} SET COMPRESSION lz4")


def use_default_compression(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql" or connection.pg_version < 140000:
        return
    with connection.cursor() as cursor:
        for table, columns in _LARGE_COLUMNS.items():
            for column in columns:
                cursor.execute(f"ALTER TABLE {table} ALTER COLUMN {column} SET COMPRESSION default")


class Migration(migrations.Migration):
    dependencies = [("projects", "0004_release")]

    operations = [
        migrations.AddField(
            model_name="model",
            name="derived_files",
            field=models.BinaryField(
                editable=False,
                help_text="The type's derived files (a process's extensions file) made when the content, "
                "extensions or name were last written, packed by projects.model_types.pack_derived_files; "
                "the export reads them instead of making them again",
                null=True,
            ),
        ),
        migrations.RunPython(fill_derived_files, migrations.RunPython.noop),
        migrations.RunPython(use_lz4, use_default_compression),
    ]
