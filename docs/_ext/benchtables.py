"""``bench-table``: a table read from the JSON a benchmark script wrote.

Every figure the documentation shows comes from a file in
``benchmarks/results/`` (written by ``python benchmarks/bench_X.py --out
benchmarks/results/bench_X.json``); the table names that file and the command
beside it, so no figure is copied by hand. In a MyST page::

    ```{bench-table} bench_osmac.json
    :key: summary
    :pivot: design, r, mmse / OSMAC mMSE
    :floatfmt: .2f
    ```

Options:

``key``
    Where the rows are in the file: a top-level list of dicts (``rows`` by
    default), or a dotted path into nested dicts (``summary.logistic``). A
    dict of figures gives one row per figure, with the fields ``name`` (the
    keys down to it, joined by " / ") and ``value``.
``columns``
    The columns shown, in order, each ``field`` or ``field=Header``; all
    fields of the first row by default.
``pivot``
    ``index, columns, values``: one row per ``index`` value, one column per
    ``columns`` value, each cell the mean of ``values`` over the rows that
    share both (the order is the order of first appearance). ``columns``
    then only renames: ``field=Header`` for the index.
``floatfmt``
    The format of float cells (``.3f`` by default); ``field:fmt`` pairs
    separated by ``;`` give a column its own (``acc:.3f; ratio:.2f``).
"""

import json
from collections import defaultdict
from pathlib import Path

from docutils import nodes
from docutils.parsers.rst import Directive, directives
from sphinx.errors import ExtensionError

RESULTS = Path(__file__).resolve().parents[2] / "benchmarks" / "results"


def load_rows(path, key):
    """The list of row dicts at ``key`` in the JSON file ``path``."""
    payload = json.loads(path.read_text(encoding="utf-8"))
    data = payload
    for part in key.split("."):
        if not isinstance(data, dict) or part not in data:
            raise ExtensionError(f"{path.name}: no {key!r} in the file")
        data = data[part]
    if isinstance(data, dict):
        # a dict of figures, nested or not: one row per figure
        data = [{"name": name, "value": value} for name, value in flatten(data)]
    if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
        raise ExtensionError(f"{path.name}: {key!r} is not a list of rows")
    return payload, data


def flatten(data, prefix=()):
    """``(name, value)`` of every leaf of nested dicts, the names joined by
    " / " (``times / full fit / median``)."""
    for key, value in data.items():
        if isinstance(value, dict):
            yield from flatten(value, (*prefix, str(key)))
        else:
            yield " / ".join((*prefix, str(key))), value


def parse_columns(text):
    """``[(field, header), ...]`` from ``"a, b=B"``."""
    columns = []
    for item in filter(None, (part.strip() for part in text.split(","))):
        field, _, header = item.partition("=")
        columns.append((field.strip(), header.strip() or field.strip()))
    return columns


def parse_pairs(text, sep="="):
    pairs = {}
    for item in filter(None, (part.strip() for part in text.split(";"))):
        field, found, value = item.partition(sep)
        if not found:
            raise ExtensionError(f"bench-table: {item!r} is not field{sep}value")
        pairs[field.strip()] = value.strip()
    return pairs


def pivot(rows, index, column, values):
    """Mean of ``values`` per ``(index, column)``, as rows of dicts."""
    cells = defaultdict(list)
    index_order, column_order = {}, {}
    for row in rows:
        i, c = row[index], row[column]
        index_order.setdefault(i, len(index_order))
        column_order.setdefault(c, len(column_order))
        if row.get(values) is not None:
            cells[i, c].append(float(row[values]))
    table = []
    for i in index_order:
        out = {index: i}
        for c in column_order:
            found = cells.get((i, c))
            out[str(c)] = sum(found) / len(found) if found else None
        table.append(out)
    return table, [str(c) for c in column_order]


def format_cell(value, fmt):
    if value is None or (isinstance(value, float) and value != value):
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return format(value, fmt)
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def table_node(headers, body):
    table = nodes.table(classes=["bench-table"])
    group = nodes.tgroup(cols=len(headers))
    table += group
    for _ in headers:
        group += nodes.colspec(colwidth=1)
    head = nodes.thead()
    group += head
    body_node = nodes.tbody()
    group += body_node
    for target, cells in ((head, [headers]), (body_node, body)):
        for cells_of_row in cells:
            row = nodes.row()
            for text in cells_of_row:
                entry = nodes.entry()
                entry += nodes.paragraph(text=text)
                row += entry
            target += row
    return table


class BenchTable(Directive):
    required_arguments = 1
    option_spec = {
        "key": directives.unchanged,
        "columns": directives.unchanged,
        "pivot": directives.unchanged,
        "floatfmt": directives.unchanged,
    }

    def run(self):
        name = self.arguments[0]
        path = RESULTS / name
        if not path.is_file():
            raise self.error(f"bench-table: {path} does not exist")
        env = self.state.document.settings.env
        env.note_dependency(str(path))
        payload, rows = load_rows(path, self.options.get("key", "rows"))
        if not rows:
            raise self.error(f"bench-table: {name} has no rows there")
        columns = parse_columns(self.options.get("columns", ""))
        if "pivot" in self.options:
            index, column, values = (
                p.strip() for p in self.options["pivot"].split(",")
            )
            absent = [
                f for f in (index, column, values) if all(f not in r for r in rows)
            ]
            if absent or any(index not in r or column not in r for r in rows):
                raise self.error(f"bench-table: {name} has no column {absent}")
            rows, pivoted = pivot(rows, index, column, values)
            renames = dict(columns)
            unknown = set(renames) - {index, *pivoted}
            if unknown:
                raise self.error(f"bench-table: nothing to rename {sorted(unknown)}")
            columns = [(index, renames.get(index, index))]
            columns += [(c, renames.get(c, c)) for c in pivoted]
        if not columns:
            columns = [(field, field) for field in rows[0]]
        missing = [f for f, _ in columns if all(f not in r for r in rows)]
        if missing:
            raise self.error(f"bench-table: {name} has no column {missing}")
        formats = self.options.get("floatfmt", "")
        default_fmt = ".3f"
        per_column = {}
        if formats and ":" not in formats:
            default_fmt = formats.strip()
        elif formats:
            per_column = parse_pairs(formats, sep=":")
            default_fmt = per_column.pop("*", default_fmt)
        body = [
            [format_cell(r.get(f), per_column.get(f, default_fmt)) for f, _ in columns]
            for r in rows
        ]
        table = table_node([h for _, h in columns], body)
        command = payload.get("command") or f"python benchmarks/{path.stem}.py"
        source = nodes.paragraph(classes=["bench-source"])
        source += nodes.Text("From ")
        source += nodes.literal(text=f"benchmarks/results/{name}")
        source += nodes.Text(", written by ")
        source += nodes.literal(text=command)
        machine = payload.get("machine")
        if machine:
            source += nodes.Text(f" on {machine}, Python {payload.get('python')}")
        source += nodes.Text(".")
        return [table, source]


def setup(app):
    app.add_directive("bench-table", BenchTable)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
