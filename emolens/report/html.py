"""A self-contained HTML report: figures are inline PNGs (base64), so the file opens offline and can be shared."""

from __future__ import annotations

import base64
import html
import io
from pathlib import Path
from typing import Any, Sequence

from .._io import atomic_write_text

_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}
h1{border-bottom:2px solid #444}h2{margin-top:2em;border-bottom:1px solid #ccc}
table{border-collapse:collapse;margin:1em 0;font-size:.9em}td,th{border:1px solid #ccc;padding:.25em .6em;text-align:right}
th{background:#f3f3f3}td:first-child,th:first-child{text-align:left}
figure{margin:1.5em 0}figcaption{font-size:.9em;color:#555;max-width:900px}img{max-width:100%}
.meta{font-size:.85em;color:#555}code{background:#f5f5f5;padding:0 .2em}
"""


def figure_to_base64(fig: Any) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    import matplotlib.pyplot as plt

    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode("ascii")


class Report:
    """Collects sections, then writes one HTML file atomically."""

    def __init__(self, title: str) -> None:
        self.title = title
        self.parts: list[str] = []
        self.figure_ids: list[str] = []

    def heading(self, text: str, level: int = 2) -> None:
        self.parts.append(f"<h{level}>{html.escape(text)}</h{level}>")

    def text(self, text: str, cls: str | None = None) -> None:
        c = f' class="{cls}"' if cls else ""
        self.parts.append(f"<p{c}>{html.escape(text)}</p>")

    def raw(self, fragment: str) -> None:
        self.parts.append(fragment)

    def figure(self, fig: Any, caption: str, fig_id: str) -> None:
        data = figure_to_base64(fig)
        self.figure_ids.append(fig_id)
        self.parts.append(
            f'<figure id="{html.escape(fig_id)}" class="emolens-figure"><img alt="{html.escape(fig_id)}" src="data:image/png;base64,{data}">'
            f"<figcaption>{html.escape(caption)}</figcaption></figure>"
        )

    def table(self, rows: Sequence[dict[str, Any]], columns: Sequence[str] | None = None, caption: str | None = None) -> None:
        if not rows:
            return
        cols = list(columns or rows[0].keys())
        head = "".join(f"<th>{html.escape(str(c))}</th>" for c in cols)
        body = "".join("<tr>" + "".join(f"<td>{html.escape(_fmt(r.get(c)))}</td>" for c in cols) + "</tr>" for r in rows)
        cap = f"<caption>{html.escape(caption)}</caption>" if caption else ""
        self.parts.append(f"<table>{cap}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")

    def render(self) -> str:
        return (
            f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(self.title)}</title>'
            f"<style>{_CSS}</style></head><body><h1>{html.escape(self.title)}</h1>{''.join(self.parts)}</body></html>\n"
        )

    def save(self, path: str | Path) -> Path:
        atomic_write_text(path, self.render())
        return Path(path)


def _fmt(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.3f}"
    if isinstance(v, (list, tuple)) and v and all(isinstance(x, float) for x in v):
        return "[" + ", ".join(f"{x:.3f}" for x in v) + "]"
    return "" if v is None else str(v)
