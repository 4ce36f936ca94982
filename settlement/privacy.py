"""Privacy computing (可用不可见): the buyer asks aggregate questions of a dataset it never sees.

A query is parsed with sqlglot and allowed only when it is one SELECT of aggregates over the
table ``dataset`` and its own columns: no joins, subqueries, CTEs, set operations, table
functions, window functions or functions outside a short list. MIN, MAX, medians and the like
are refused because each one returns a single row's value. The checked query (regenerated from
its parse tree, so what runs is what was checked) gets a ``COUNT(*)`` per group and runs in an
in-memory DuckDB that has loaded the dataset and then lost all access to files and the network,
with one thread, a memory limit and a time limit. Groups of fewer than k rows are suppressed.

This module knows no models: settlement.delivery stores the queries and their receipts.
"""

import datetime
import decimal
import threading
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import sqlglot
from django.utils.translation import gettext as _
from sqlglot import exp

from exchange.errors import RuleViolation

TABLE = "dataset"
FIELD = "sql"
MAX_SQL = 4000
MAX_RESULT_ROWS = 1000
GROUP_ROWS = "__rows_in_group"

AGGREGATES = (
    exp.Count,
    exp.Sum,
    exp.Avg,
    exp.Stddev,
    exp.StddevPop,
    exp.StddevSamp,
    exp.Variance,
    exp.VariancePop,
    exp.CountIf,
)
# Each of these returns one row's value (or a list of them): the buyer would see the data.
REVEALING = (exp.Min, exp.Max, exp.Median, exp.Quantile, exp.ArrayAgg, exp.GroupConcat)
SCALARS = (
    exp.Round,
    exp.Abs,
    exp.Coalesce,
    exp.Lower,
    exp.Upper,
    exp.Length,
    exp.Year,
    exp.Month,
    exp.Quarter,
    exp.Extract,
    exp.DateTrunc,
    exp.Cast,
    exp.TryCast,
    exp.Case,
    exp.If,
)
SYNTAX = (
    exp.Select,
    exp.From,
    exp.Table,
    exp.Where,
    exp.Group,
    exp.Having,
    exp.Order,
    exp.Ordered,
    exp.Limit,
    exp.Offset,
    exp.Column,
    exp.Identifier,
    exp.Alias,
    exp.Literal,
    exp.Star,
    exp.Paren,
    exp.Neg,
    exp.Add,
    exp.Sub,
    exp.Mul,
    exp.Div,
    exp.Mod,
    exp.EQ,
    exp.NEQ,
    exp.GT,
    exp.GTE,
    exp.LT,
    exp.LTE,
    exp.And,
    exp.Or,
    exp.Not,
    exp.In,
    exp.Between,
    exp.Like,
    exp.ILike,
    exp.Is,
    exp.Null,
    exp.Boolean,
    exp.Distinct,
    exp.DataType,
    exp.DataTypeParam,
    exp.Var,
)
ALLOWED = AGGREGATES + SCALARS + SYNTAX


@dataclass(frozen=True)
class Limits:
    k: int = 10
    seconds: float = 5.0
    memory: str = "256MB"


@dataclass
class Result:
    sql: str  # the query as it ran (regenerated from the checked parse tree)
    columns: list[str]
    rows: list[list]
    suppressed: int  # groups left out for having fewer than k rows
    truncated: bool = False
    k: int = 10
    engine: str = field(default=f"duckdb {duckdb.__version__}")

    def as_json(self) -> dict:
        return {
            "columns": self.columns,
            "rows": self.rows,
            "suppressed_groups": self.suppressed,
            "k": self.k,
            "truncated": self.truncated,
        }


def refuse(message: str, code: str) -> RuleViolation:
    return RuleViolation(message, code=code, field=FIELD)


def check(sql: str, columns: list[str]) -> exp.Select:
    """The parse tree of ``sql`` if it is an aggregate query the exchange runs; else a
    RuleViolation on ``sql`` that names the rule."""
    if not sql or not sql.strip():
        raise refuse(_("Write a SELECT over the table dataset."), "required")
    if len(sql) > MAX_SQL:
        raise refuse(_("A query is at most %(max)s characters.") % {"max": MAX_SQL}, "sql_too_long")
    try:
        statements = [s for s in sqlglot.parse(sql, read="duckdb") if s is not None]
    except sqlglot.errors.SqlglotError as error:
        detail = str(error).splitlines()[0][:300]
        raise refuse(
            _("The query is not valid SQL: %(detail)s") % {"detail": detail}, "sql_syntax"
        ) from error
    if len(statements) != 1:
        raise refuse(_("Send exactly one SELECT statement."), "sql_one_statement")
    (tree,) = statements
    if isinstance(tree, exp.SetOperation):
        raise refuse(_("One SELECT only: no UNION, INTERSECT or EXCEPT."), "sql_set_operation")
    if not isinstance(tree, exp.Select):
        raise refuse(
            _("Only a SELECT is run; %(kind)s is not.") % {"kind": sql.split()[0].upper()},
            "sql_not_select",
        )
    known = {name.lower() for name in columns}
    aliases = {e.alias.lower() for e in tree.expressions if isinstance(e, exp.Alias)}
    _check_nodes(tree, known | aliases, columns)
    if tree.args.get("from_") is None:
        raise refuse(_("Query the table dataset: FROM dataset."), "sql_other_table")
    _check_aggregation(tree)
    return tree


def _check_nodes(tree: exp.Select, names: set[str], columns: list[str]) -> None:
    for node in tree.walk():
        if isinstance(node, exp.With | exp.CTE):
            raise refuse(_("No WITH clauses: query the table dataset directly."), "sql_cte")
        if isinstance(node, exp.Join):
            raise refuse(_("No joins: the dataset is the only table."), "sql_join")
        if isinstance(node, exp.Select | exp.Subquery) and node is not tree:
            raise refuse(_("No subqueries: one SELECT over the dataset."), "sql_subquery")
        if isinstance(node, exp.Window):
            raise refuse(_("No window functions (OVER): aggregate with GROUP BY."), "sql_window")
        if isinstance(node, exp.Table):
            name = node.this
            if (
                not isinstance(name, exp.Identifier)
                or name.name.lower() != TABLE
                or node.args.get("db")
                or node.args.get("catalog")
            ):
                raise refuse(
                    _("Only the table dataset may be queried, not %(table)s.")
                    % {"table": node.sql(dialect="duckdb")},
                    "sql_other_table",
                )
            continue
        if isinstance(node, exp.Column):
            if node.table and node.table.lower() != TABLE:
                raise refuse(
                    _("Only the table dataset may be queried, not %(table)s.")
                    % {"table": node.table},
                    "sql_other_table",
                )
            if isinstance(node.this, exp.Star):
                continue
            if node.name.lower() not in names:
                raise refuse(
                    _("The dataset has no column %(column)s; its columns are: %(columns)s.")
                    % {"column": node.name, "columns": ", ".join(columns)},
                    "sql_unknown_column",
                )
            continue
        if isinstance(node, REVEALING):
            raise refuse(
                _("%(function)s returns one row's value; use COUNT, SUM, AVG, STDDEV or VARIANCE.")
                % {"function": node.sql_name()},
                "sql_revealing_function",
            )
        if isinstance(node, exp.Distinct) and node.parent is tree:
            raise refuse(
                _("SELECT DISTINCT lists values; count them with COUNT(DISTINCT …)."),
                "sql_not_aggregate",
            )
        if not isinstance(node, ALLOWED):
            if isinstance(node, exp.Func):
                raise refuse(
                    _("The function %(function)s is not allowed in a privacy query.")
                    % {"function": _function_name(node)},
                    "sql_function",
                )
            raise refuse(
                _("%(construct)s is not allowed in a privacy query.")
                % {"construct": node.key.upper()},
                "sql_construct",
            )


def _check_aggregation(tree: exp.Select) -> None:
    if not any(e.find(*AGGREGATES) for e in tree.expressions):
        raise refuse(
            _(
                "A privacy query returns aggregates only: select COUNT, SUM, AVG, STDDEV or "
                "VARIANCE of the columns, grouped by others if need be."
            ),
            "sql_not_aggregate",
        )
    keys = set()
    group = tree.args.get("group")
    for key in group.expressions if group else []:
        if isinstance(key, exp.Literal) and key.is_int:
            position = int(key.this)
            if not 1 <= position <= len(tree.expressions):
                raise refuse(
                    _("GROUP BY %(position)s names no selected column.") % {"position": position},
                    "sql_syntax",
                )
            key = tree.expressions[position - 1].unalias()
        keys.add(_canonical(key))
    key_columns = {k for k in keys if "." not in k and "(" not in k}
    for selected in tree.expressions:
        bare = selected.unalias()
        if bare.find(*AGGREGATES) or _canonical(bare) in keys:
            continue
        for column in bare.find_all(exp.Column):
            if column.name.lower() not in key_columns:
                raise refuse(
                    _("%(column)s is selected without an aggregate: group by it or aggregate it.")
                    % {"column": column.name},
                    "sql_ungrouped_column",
                )
        if isinstance(bare, exp.Star) or bare.find(exp.Star):
            raise refuse(
                _("SELECT * lists rows; select aggregates such as COUNT(*)."),
                "sql_not_aggregate",
            )


def _function_name(node: exp.Func) -> str:
    return (node.name if isinstance(node, exp.Anonymous) else node.sql_name()).upper()


def _canonical(node: exp.Expression) -> str:
    return node.sql(dialect="duckdb", normalize=True).lower()


# --- the isolated engine ---------------------------------------------------------------------------


def describe(path: Path, fmt: str) -> list[tuple[str, str]]:
    """The dataset's columns and their types, as the engine reads the file."""
    with _engine(path, fmt, Limits()) as con:
        return [(row[0], row[1]) for row in con.execute(f"DESCRIBE {TABLE}").fetchall()]


def run(path: Path, fmt: str, sql: str, limits: Limits) -> Result:
    """Check ``sql`` against the dataset in ``path`` and run it; groups of fewer than k rows
    are suppressed. Raises RuleViolation on ``sql`` for a refused query, a timeout or an
    engine error."""
    with _engine(path, fmt, limits) as con:
        columns = [row[0] for row in con.execute(f"DESCRIBE {TABLE}").fetchall()]
        tree = check(sql, columns)
        query = tree.copy()
        query.select(exp.alias_(exp.Count(this=exp.Star()), GROUP_ROWS), copy=False)
        limit = query.args.get("limit")
        wanted = int(limit.expression.this) if limit and limit.expression.is_int else None
        if wanted is None or wanted > MAX_RESULT_ROWS:
            query.limit(MAX_RESULT_ROWS + 1, copy=False)
        text = query.sql(dialect="duckdb")
        timer = threading.Timer(limits.seconds, con.interrupt)
        timer.start()
        try:
            cursor = con.execute(text)
            names = [d[0] for d in cursor.description]
            fetched = cursor.fetchall()
        except duckdb.InterruptException as error:
            raise refuse(
                _("The query ran longer than %(seconds)s seconds and was stopped.")
                % {"seconds": limits.seconds},
                "sql_timeout",
            ) from error
        except duckdb.OutOfMemoryException as error:
            raise refuse(
                _("The query needed more than %(memory)s of memory and was stopped.")
                % {"memory": limits.memory},
                "sql_memory",
            ) from error
        except duckdb.Error as error:
            detail = str(error).splitlines()[0][:300]
            raise refuse(
                _("The engine could not run the query: %(detail)s") % {"detail": detail},
                "sql_failed",
            ) from error
        finally:
            timer.cancel()
    truncated = len(fetched) > MAX_RESULT_ROWS
    fetched = fetched[:MAX_RESULT_ROWS]
    rows = [row for row in fetched if row[-1] >= limits.k]
    if fetched and not rows:
        raise refuse(
            _(
                "Every group has fewer than %(k)s rows, so none can be shown: group more "
                "coarsely or filter less."
            )
            % {"k": limits.k},
            "groups_too_small",
        )
    return Result(
        sql=tree.sql(dialect="duckdb"),
        columns=names[:-1],
        rows=[[_json_value(v) for v in row[:-1]] for row in rows],
        suppressed=len(fetched) - len(rows),
        truncated=truncated,
        k=limits.k,
    )


class _engine:
    """An in-memory DuckDB holding the dataset as table ``dataset``, then cut off from files and
    the network, one thread, limited memory; its configuration locked."""

    def __init__(self, path: Path, fmt: str, limits: Limits):
        self.path, self.fmt, self.limits = Path(path), fmt, limits

    def __enter__(self) -> duckdb.DuckDBPyConnection:
        con = duckdb.connect(":memory:", config={"threads": 1, "memory_limit": self.limits.memory})
        try:
            if self.fmt == "json":
                relation = con.read_json(str(self.path), format="array")
            else:
                relation = con.read_csv(str(self.path), header=True)
            relation.create(TABLE)
            con.execute("SET enable_external_access = false")
            con.execute("SET lock_configuration = true")
        except Exception:
            con.close()
            raise
        self.con = con
        return con

    def __exit__(self, *exc):
        self.con.close()


def _json_value(value):
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return round(value, 6)
    if isinstance(value, decimal.Decimal):
        return format(value, "f")
    if isinstance(value, datetime.date | datetime.datetime | datetime.time):
        return value.isoformat()
    return str(value)
