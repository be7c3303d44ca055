"""Bulk INSERT at close to the driver's own speed.

SQLAlchemy's executemany builds and type-converts every row's parameters in Python, which for
SQLite cost as much as SQLite's own work. Here the statement is compiled once, each distinct
value is bound once by the dialect's own type processor (dates and amounts repeat), and the
rows go to the driver's executemany as tuples. This path is taken only for positional
paramstyles (SQLite) and when every column's value is given or has a constant default;
anything else uses the ordinary `session.execute(insert(table), rows)`.
"""

from sqlalchemy import insert


def insert_rows(session, table, rows: list[dict], names: list[str], constants: dict) -> None:
    """Insert the `names` of each row, plus the same `constants` in every row, into `table`."""
    if not rows:
        return
    constants = {**_constant_defaults(table, [*names, *constants]), **constants}
    connection = session.connection()
    dialect = connection.dialect
    compiled = insert(table).compile(dialect=dialect, column_keys=[*names, *constants])
    if not compiled.positional or sorted(compiled.positiontup) != sorted([*names, *constants]):
        session.execute(insert(table), [{**{n: r[n] for n in names}, **constants} for r in rows])
        return
    columns = []
    for name in compiled.positiontup:
        column_type = table.c[name].type
        if name in constants:
            columns.append([_bound(column_type, dialect, [constants[name]])[0]] * len(rows))
        else:
            columns.append(_bound(column_type, dialect, [row[name] for row in rows]))
    connection.exec_driver_sql(compiled.string, list(zip(*columns, strict=True)))


def _constant_defaults(table, given: list[str]) -> dict:
    """The constant defaults of the columns not given (SQLAlchemy would bind them per row)."""
    return {
        column.key: column.default.arg
        for column in table.columns
        if column.key not in given and column.default is not None and column.default.is_scalar
    }


def _bound(column_type, dialect, values: list) -> list:
    """`values` as the driver receives them, each distinct value processed once."""
    process = column_type.dialect_impl(dialect).bind_processor(dialect)
    if process is None:
        return values
    try:
        done = {value: process(value) for value in set(values)}
    except TypeError:  # unhashable values (JSON): process each one
        return [process(value) for value in values]
    return list(map(done.__getitem__, values))
