"""HTML primitives of the report: escaping, embedded PNG images, numbers as text, tables, cards, notes,
and the page's CSS."""
from __future__ import annotations

import base64
import html
import json

import numpy as np
import pandas as pd


CSS = """
body{font-family:-apple-system,'Segoe UI',Helvetica,Arial,sans-serif;margin:2em auto;max-width:1100px;
     color:#222;line-height:1.4;padding:0 1em}
h1{font-size:1.6em;margin-bottom:.2em} h2{border-bottom:2px solid #ddd;padding-bottom:.2em;margin-top:1.8em}
h3{margin-bottom:.3em} .sub{color:#666;margin-top:0}
table{border-collapse:collapse;margin:.5em 0 1em 0;font-size:.9em}
th,td{border:1px solid #ddd;padding:.25em .6em;text-align:left;vertical-align:middle}
th{background:#f3f3f3} td.num{text-align:right;font-variant-numeric:tabular-nums}
.cards{display:flex;flex-wrap:wrap;gap:.8em;margin:1em 0}
.card{background:#f6f8fa;border:1px solid #e1e4e8;border-radius:6px;padding:.6em .9em;min-width:150px}
.card .v{font-size:1.4em;font-weight:600} .card .k{color:#555;font-size:.85em}
.seq{font-family:'DejaVu Sans Mono',Menlo,Consolas,monospace;font-size:.85em;white-space:nowrap}
.seq span{border-radius:2px} .note{color:#8a6d3b;background:#fcf8e3;border:1px solid #faebcc;
     padding:.4em .8em;border-radius:4px;margin:.4em 0} pre{background:#f6f8fa;padding:.8em;overflow-x:auto;
     font-size:.8em} img{max-width:100%} .legend span{padding:0 .4em;margin-right:.6em;border-radius:2px}
"""


def esc(value) -> str:
    return html.escape(str(value))


def img(png: bytes, alt: str = "", width: int | None = None) -> str:
    """An ``<img>`` with the PNG embedded as a data URI."""
    w = f' width="{width}"' if width else ""
    return f'<img alt="{esc(alt)}"{w} src="data:image/png;base64,{base64.b64encode(png).decode("ascii")}">'


def fmt(value) -> str:
    """A number for a table cell, a card or a sentence; 'n/a' for a missing one (None, NaN: a metric that could
    not be computed, stored as null)."""
    if value is None or (isinstance(value, (float, np.floating)) and np.isnan(value)):
        return "n/a"
    if isinstance(value, (bool, np.bool_)):
        return str(value)
    if isinstance(value, (int, np.integer)):
        return f"{int(value):,}"
    if isinstance(value, (float, np.floating)):
        if not np.isfinite(value):
            return str(value)
        if value != 0 and (abs(value) < 1e-3 or abs(value) >= 1e5):
            return f"{value:.3g}"
        if abs(value) >= 1e3:
            return f"{value:,.0f}"
        return f"{value:.4g}"
    return esc(value)


def table(df: pd.DataFrame, raw_columns=()) -> str:
    """An HTML table of ``df``; columns in ``raw_columns`` hold HTML already."""
    head = "".join(f"<th>{esc(c)}</th>" for c in df.columns)
    rows = []
    for rec in df.itertuples(index=False):
        cells = []
        for col, v in zip(df.columns, rec):
            if col in raw_columns:
                cells.append(f"<td>{v}</td>")
            elif v is None or (isinstance(v, (float, np.floating)) and np.isnan(v)):
                cells.append('<td class="num">n/a</td>')  # not measured (e.g. no validation split, no GC)
            elif isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool):
                cells.append(f'<td class="num">{fmt(v)}</td>')
            else:
                cells.append(f"<td>{esc(v)}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><tr>{head}</tr>{''.join(rows)}</table>"


def kv_table(d: dict) -> str:
    """A two-column table of a flat dict (nested values shown as JSON)."""
    rows = [(k, v if isinstance(v, (int, float, str, bool)) or v is None else json.dumps(v)) for k, v in d.items()]
    return table(pd.DataFrame(rows, columns=["key", "value"]))


def card(key: str, value) -> str:
    return f'<div class="card"><div class="v">{fmt(value)}</div><div class="k">{esc(key)}</div></div>'


def note(text: str) -> str:
    return f'<div class="note">{esc(text)}</div>'
