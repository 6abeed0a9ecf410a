"""Statements built once per process (docs/performance.md, « Statements built once »).

On /mon-suivi/ Django spent more time building and compiling the small QuerySets of the page
(the urgency page, the alert panels: 0.9 to 2.1 ms each at 10,000 households) than PostgreSQL
took to run them (0.1 to 1 ms). Their SQL text and parameters are a function of a few values
— the user's id and roles, the manager's référent filter, the day, the page — and of nothing
read from the database: `rows(key, build)` compiles `build()` the first time a key is met
and runs the same text and parameters afterwards; `count(key, build)` counts its rows the
same way (the header badge on every page, the worklist's tabs); `instances(key, build)` makes
its model instances as Django would (the households list, the file's accompaniment panel).
A process keeps them until it ends (a deploy restarts it with the new code), at most KEPT.

The key must name everything the SQL depends on. With `settings.CHECK_STATEMENTS` (on in the
tests, tests/conftest.py) every call builds and compiles the QuerySet again and fails if its
SQL or parameters differ from the ones kept: a key that leaves a dependency out fails the
suite instead of serving one user's statement to another.

The rows are those of iterating the QuerySet: its columns named as `ValuesIterable` names
them, each value through the converters Django would apply (a computed date on SQLite, a
count cast to int).
"""

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models.query import get_related_populators

# A bound on what a process keeps: a statement is 0.2 to 4 KB of SQL with its parameters, and
# the keys by id (a file, a page of cards) grow with the files read in a day; past it, the
# dict is emptied and the statements compiled again as they come.
KEPT = 2000
_BUILT = {}


def rows(key, build, using=DEFAULT_DB_ALIAS):
    """The rows of `build()`, a `values()` QuerySet on `using`, as the dicts iterating it
    gives, its SQL compiled once per `key`."""
    return _run(key, build, using, counted=False)


def count(key, build, using=DEFAULT_DB_ALIAS):
    """How many rows `build()` has (a `values()` QuerySet; sliced to count up to a cap), its
    SQL compiled once per `key`: `SELECT COUNT(*) FROM (…)`, without its ordering unless
    sliced (as `QuerySet.count()`)."""

    def unordered():
        queryset = build()
        return queryset if queryset.query.is_sliced else queryset.order_by()

    found = _run(key, unordered, using, counted=True)
    return found[0]["count"] if found else 0


def instances(key, build, using=DEFAULT_DB_ALIAS):
    """The model instances of `build()`, a QuerySet on `using` (its `select_related` and
    annotations kept; no `prefetch_related`), as iterating it makes them, its SQL compiled
    once per `key`: `Model.from_db` for each row, the related objects and annotations set as
    Django's `ModelIterable` sets them."""
    sql, params, making, converters = _statement(
        (using, "instances", key), lambda: _compile_instances(build(), using)
    )
    if sql is None:  # a condition that cannot hold (e.g. `pk__in=[]`): no row
        return []
    model, start, end, init_list, populators, annotations = making
    found = []
    for row in _fetch(sql, params, converters, using):
        obj = model.from_db(using, init_list, row[start:end])
        for populator in populators:
            populator.populate(row, obj)
        for name, position in annotations.items():
            setattr(obj, name, row[position])
        found.append(obj)
    return found


def _compile_instances(queryset, using):
    """(sql, params, how to make the instances, converters) of a QuerySet of instances, as
    `ModelIterable` reads its compiler."""
    if queryset._prefetch_related_lookups:
        raise TypeError("statements.instances: prefetch_related is not run; read it apart.")
    compiler = queryset.query.get_compiler(using)
    try:
        sql, params = compiler.as_sql()
    except EmptyResultSet:
        return None, (), None, {}
    select, klass_info = compiler.select, compiler.klass_info
    fields = klass_info["select_fields"]
    start, end = fields[0], fields[-1] + 1
    making = (
        klass_info["model"],
        start,
        end,
        [column[0].target.attname for column in select[start:end]],
        get_related_populators(klass_info, select, using),
        dict(compiler.annotation_col_map),
    )
    converters = compiler.get_converters([column for column, _, _ in select])
    return sql, tuple(params), making, converters


def _statement(key, build_statement):
    """The statement kept for `key`, compiled by `build_statement()` when there is none; under
    CHECK_STATEMENTS compiled on every call, and a failure if it differs from the one kept."""
    statement = _BUILT.get(key)
    if statement is None or settings.CHECK_STATEMENTS:
        fresh = build_statement()
        if statement is not None and fresh[:2] != statement[:2]:  # sql, params
            raise AssertionError(
                f"statements: the key {key!r} does not name everything its SQL depends "
                f"on:\n{statement[:2]}\n!=\n{fresh[:2]}"
            )
        if len(_BUILT) >= KEPT:
            _BUILT.clear()
        _BUILT[key] = statement = fresh
    return statement


def _fetch(sql, params, converters, using):
    """The rows of `sql` on `using`, each through `converters`."""
    connection = connections[using]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if converters:
        rows = [_converted(row, converters, connection) for row in rows]
    return rows


def _run(key, build, using, counted):
    sql, params, names, converters = _statement(
        (using, counted, key), lambda: _compile(build(), using, counted)
    )
    if sql is None:  # a condition that cannot hold (e.g. `pk__in=[]`): no row
        return []
    return [dict(zip(names, row, strict=True)) for row in _fetch(sql, params, converters, using)]


def _compile(queryset, using, counted):
    """(sql, params, names, converters) of a `values()` QuerySet: its columns named as
    `ValuesIterable` names them, Django's converters by column; its rows counted instead when
    `counted`; (None, …) when it cannot match a row."""
    query = queryset.query
    names = (
        tuple(query.selected)
        if query.selected
        else (*query.extra_select, *query.values_select, *query.annotation_select)
    )
    compiler = query.get_compiler(using)
    try:
        sql, params = compiler.as_sql()
    except EmptyResultSet:
        return None, (), names, {}
    if counted:
        return f"SELECT COUNT(*) FROM ({sql}) AS counted", tuple(params), ("count",), {}
    converters = compiler.get_converters([column for column, _, _ in compiler.select])
    return sql, tuple(params), names, converters


def _converted(row, converters, connection):
    """`row` through `converters` ({position: (functions, expression)}), as
    `SQLCompiler.apply_converters` does."""
    row = list(row)
    for position, (functions, expression) in converters.items():
        value = row[position]
        for function in functions:
            value = function(value, expression, connection)
        row[position] = value
    return row
