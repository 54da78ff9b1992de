"""How the large values of model rows travel to and from the database: once, and as bytes.

Called by the services and the archive inside their transaction, on rows they hold locked; no
checks here.

On PostgreSQL a content save is two statements, sent in one round trip (pipeline mode): one
UPDATE of the model row whose content and derived files go as binary parameters (Django's psycopg
cursor binds on the client, which writes a bytea as hex inside the SQL text: twice the bytes, and
about three times the time of a binary parameter for a 450 KB process), and one INSERT … SELECT
that makes the version row from the row just written, so the content and extensions are neither
sent nor parsed a second time (and PostgreSQL copies the compressed values as they are). The
export reads contents and derived files with binary results (a third of the time of the hex text
the ORM's cursor receives).
Elsewhere (SQLite) it is the ORM.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection
from django.utils import timezone

from projects.models import Model, ModelVersion

# The fields a content save always writes (besides the content).
SAVED_FIELDS = ("name", "problems", "version", "last_modified_by", "last_modified_date")


def _binary_cursor():
    """A psycopg cursor of Django's connection that binds on the server (bytes go as bytes)."""
    import psycopg

    connection.ensure_connection()
    return psycopg.Cursor(connection.connection)


def _column_values(model: Model, fields: Iterable[str]) -> list[tuple[str, object]]:
    values = []
    for name in fields:
        field = Model._meta.get_field(name)
        value = field.pre_save(model, add=False)
        values.append((field.column, field.get_db_prep_save(value, connection)))
    return values


def save_content(
    model: Model, content: bytes, *, created_by: str, extensions: bool = True, derived_files: bool = True
) -> None:
    """Write the row's new content and SAVED_FIELDS, its extensions and derived files unless told
    they are already stored as they are, and insert its version row."""
    model.content = content
    fields = [*SAVED_FIELDS, *(["extensions"] if extensions else [])]
    if connection.vendor != "postgresql":
        model.save(update_fields=[*fields, "content", *(["derived_files"] if derived_files else [])])
        ModelVersion.objects.create(
            model=model,
            version=model.version,
            content=content,
            extensions=model.extensions,
            created_by=created_by,
        )
        return
    columns = _column_values(model, fields)
    params = [*(value for _, value in columns), content]
    assignments = ", ".join(f"{column} = %s" for column, _ in columns) + ", content = %b"
    if derived_files:
        assignments += ", derived_files = %b"
        params.append(model.derived_files)
    # Both statements go in one round trip (libpq's pipeline mode): nothing is read back.
    with connection.wrap_database_errors, _binary_cursor() as cursor, cursor.connection.pipeline():
        cursor.execute(
            f"UPDATE {Model._meta.db_table} SET {assignments} WHERE id = %s",  # noqa: S608
            [*params, model.pk],
        )
        _copy_version(cursor, [model.pk], created_by)


def insert_version(model: Model, *, created_by: str) -> None:
    """The first version row of a model just inserted (copied from its row on PostgreSQL)."""
    if connection.vendor != "postgresql":
        ModelVersion.objects.create(
            model=model,
            version=model.version,
            content=model.content,
            extensions=model.extensions,
            created_by=created_by,
        )
        return
    with connection.wrap_database_errors, _binary_cursor() as cursor:
        _copy_version(cursor, [model.pk], created_by)


def insert_versions(model_ids: list, *, created_by: str) -> None:
    """The current version row of each of these models, copied from their rows (one statement on
    PostgreSQL); the archive import's many models."""
    if not model_ids:
        return
    if connection.vendor != "postgresql":
        ModelVersion.objects.bulk_create(
            [
                ModelVersion(
                    model=row,
                    version=row.version,
                    content=row.content,
                    extensions=row.extensions,
                    created_by=created_by,
                )
                for row in Model.objects.filter(pk__in=model_ids)
            ],
            batch_size=50,
        )
        return
    with connection.wrap_database_errors, _binary_cursor() as cursor:
        _copy_version(cursor, model_ids, created_by)


def _copy_version(cursor, model_ids: list, created_by: str) -> None:
    versions, models = ModelVersion._meta.db_table, Model._meta.db_table
    cursor.execute(
        f"INSERT INTO {versions} (model_id, version, content, extensions, created_by, creation_date) "  # noqa: S608
        f"SELECT id, version, content, extensions, %s, %s FROM {models} WHERE id = ANY(%s)",
        [created_by, timezone.now(), list(model_ids)],
    )


def insert_models(rows: Iterable[Model]) -> None:
    """Insert new model rows (their content and derived files as binary parameters on PostgreSQL).

    `rows` may be made as they are asked for (an import's rows are completed one after another):
    on PostgreSQL each row is sent as soon as it is made, in pipeline mode, so the server parses
    and stores it (jsonb, TOAST compression) while the next row is being made, and the results
    are read once at the end; one statement per row, whose text psycopg converts once and the server
    prepares once (a named prepared statement of the connection).
    """
    if connection.vendor != "postgresql":
        rows = list(rows)
        if rows:
            Model.objects.bulk_create(rows, batch_size=50)
        return
    now = timezone.now()
    fields = [
        field
        for field in Model._meta.concrete_fields
        if field.name not in ("content", "derived_files", "creation_date", "last_modified_date")
    ]
    columns = [field.column for field in fields] + [
        "content",
        "derived_files",
        "creation_date",
        "last_modified_date",
    ]
    placeholders = ", ".join(["%s"] * len(fields) + ["%b", "%b", "%s", "%s"])
    sql = f"INSERT INTO {Model._meta.db_table} ({', '.join(columns)}) VALUES ({placeholders})"  # noqa: S608
    with connection.wrap_database_errors, _binary_cursor() as cursor, cursor.connection.pipeline():
        for row in rows:
            row.creation_date = row.last_modified_date = now
            params = [field.get_db_prep_save(field.pre_save(row, add=True), connection) for field in fields]
            params += [bytes(row.content), row.derived_files, now, now]
            cursor.execute(sql, params, prepare=True)  # (parsed and planned once for all rows)


def derived_files_of(model_id) -> bytes | None:
    """The stored derived files of one model (a binary result on PostgreSQL)."""
    if connection.vendor != "postgresql":
        value = Model._base_manager.filter(pk=model_id).values_list("derived_files", flat=True).first()
        return bytes(value) if value is not None else None
    with connection.wrap_database_errors, _binary_cursor() as cursor:
        cursor.execute(
            f"SELECT derived_files FROM {Model._meta.db_table} WHERE id = %s",  # noqa: S608
            [model_id],
            binary=True,
        )
        row = cursor.fetchone()
    return bytes(row[0]) if row is not None and row[0] is not None else None


def export_rows(project_id) -> list[tuple]:
    """(id, type, name, content, derived_files) of every model of a project, by type and name."""
    rows = Model._base_manager.filter(project_id=project_id).order_by("type", "name")
    fields = ("pk", "type", "name", "content", "derived_files")
    if connection.vendor != "postgresql":
        return [(*row[:3], bytes(row[3]), row[4]) for row in rows.values_list(*fields)]
    sql, params = rows.values_list(*fields).query.sql_with_params()
    with connection.wrap_database_errors, _binary_cursor() as cursor:
        cursor.execute(sql, params, binary=True)
        return [(*row[:3], bytes(row[3]), row[4]) for row in cursor.fetchall()]


def bulk_insert(objs: list) -> None:
    """Insert new rows of one model class (no auto field set) with COPY on PostgreSQL: no
    statement to parse and plan (a multi-row INSERT of an import's 200 process rows had 1,000
    parameters, which psycopg and the server each parsed: 36 ms against 22 ms). Django's
    bulk_create would send them as array literals (UNNEST), whose quoting of JSON values costs
    more than the insert itself."""
    if not objs:
        return
    model_class = type(objs[0])
    if connection.vendor != "postgresql":
        model_class.objects.bulk_create(objs, batch_size=200)
        return
    fields = [
        field
        for field in model_class._meta.concrete_fields
        if not (field.primary_key and field.get_internal_type() in ("AutoField", "BigAutoField"))
    ]
    columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    with (
        connection.wrap_database_errors,
        _binary_cursor() as cursor,
        cursor.copy(f"COPY {model_class._meta.db_table} ({columns}) FROM STDIN") as copy,  # noqa: S608
    ):
        for obj in objs:
            copy.write_row(
                [field.get_db_prep_save(field.pre_save(obj, add=True), connection) for field in fields]
            )
