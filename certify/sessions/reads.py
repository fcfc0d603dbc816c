"""A row read by key on every signed-in request: one hand-written SELECT on the connection's
cursor, its row made into the model instance the ORM would have made.

Each signed-in request reads its session, then the user the session is signed in as. Django
builds, compiles and runs a QuerySet for each (`objects.get`): 165 us for the session and
160 us for the user, against 24 us and about 30 us for the same SELECTs on the cursor (SQLite,
the streaming benchmark's database), and twice that on a worker that sat idle for a moment, as a
learner's request after a pause finds it. The SELECT here is the one the ORM compiles; the
backend's converters are applied to each column as the ORM applies them, and the row becomes
an instance through `Model.from_db`, as the ORM's rows do.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, cast

from django.db import connections, router
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Field, Model

Converter = Callable[[Any, Any, BaseDatabaseWrapper], Any]


class KeyRead:
    """`SELECT <fields> FROM <table> WHERE <where>` for one model, quoted for each database it
    runs on. `where` names columns as `{column}` placeholders (quoted for the database) and its
    parameters as `%s`: e.g. `"{session_key} = %s AND {expire_date} > %s"`."""

    def __init__(self, model: type[Model], fields: Sequence[str], where: str) -> None:
        self.model = model
        self.fields = [cast(Field[Any, Any], model._meta.get_field(name)) for name in fields]
        self.attnames = [field.attname for field in self.fields]
        self.where = where
        self.compiled: dict[str, tuple[str, list[tuple[Any, list[Converter]]]]] = {}

    def connection(self) -> BaseDatabaseWrapper:
        """The connection the model is read from (its router's)."""
        return connections[router.db_for_read(self.model)]

    def one(self, params: Sequence[Any], connection: BaseDatabaseWrapper | None = None) -> Any:
        """The instance of the row the key finds, or None; on `connection` when the caller
        already has it (to adapt its parameters)."""
        connection = connection or self.connection()
        alias = connection.alias
        sql, columns = self._compiled(connection)
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            row = cursor.fetchone()
        if row is None:
            return None
        values = list(row)
        for index, (column, converters) in enumerate(columns):
            for convert in converters:
                values[index] = convert(values[index], column, connection)
        return self.model.from_db(alias, self.attnames, values)

    def _compiled(
        self, connection: BaseDatabaseWrapper
    ) -> tuple[str, list[tuple[Any, list[Converter]]]]:
        compiled = self.compiled.get(connection.alias)
        if compiled is None:
            quote = connection.ops.quote_name
            table = self.model._meta.db_table
            names = ", ".join(quote(str(field.column)) for field in self.fields)
            where = self.where.format_map(
                {field.name: quote(str(field.column)) for field in self.model._meta.concrete_fields}
            )
            columns = []
            for field in self.fields:
                column = field.get_col(table)
                converters = [
                    *connection.ops.get_db_converters(column),
                    *column.get_db_converters(connection),
                ]
                columns.append((column, converters))
            sql = f"SELECT {names} FROM {quote(table)} WHERE {where}"
            compiled = self.compiled[connection.alias] = (sql, columns)
        return compiled
