"""HTML for the hub's pages: a small server-rendered skeleton plus the page's data as inline JSON.

Tables and plots are drawn by static/hub.js from that JSON, so every page works from file:// or
any static web server with nothing fetched from the network.
"""

from __future__ import annotations

import hashlib
import html
import json
import math
import re

SAFE_SLUG = re.compile(r"^[A-Za-z0-9_-][A-Za-z0-9._-]{0,99}$")

# Table column types understood by hub.js: s text, n number (sorted numerically), g gene link,
# T trait link, l [text, href] link, L list of links, j joint status, t tags.
S, N, G, T, L, LL, J, TAGS = "s", "n", "g", "T", "l", "L", "j", "t"


def slug(name: str) -> str:
    """A file name for a gene or other free-text id: the id itself when safe, else a hashed form."""
    if SAFE_SLUG.match(name):
        return name
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", name)[:80].lstrip(".")
    return f"{safe}-{hashlib.sha1(name.encode()).hexdigest()[:10]}"


def esc(text: object) -> str:
    """HTML-escape any value (None becomes an empty string)."""
    return "" if text is None else html.escape(str(text), quote=True)


def to_json(obj: object) -> str:
    """Compact JSON that is safe inside a <script> element."""
    text = json.dumps(obj, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    return text.replace("<", "\\u003c")


def data_js(name: str, obj: object) -> str:
    """A lazily loaded data file: a script that hands OBJ to the page (works from file:// too)."""
    return f"HUB.put({json.dumps(name)},{to_json(obj)});\n"


def table(cols: list[tuple[str, str, str]], rows: list[list], keep: tuple[str, ...] = (), **opts: object) -> dict:
    """A table for hub.js; columns that are empty in every row are dropped unless named in KEEP."""
    live = [i for i, c in enumerate(cols) if c[0] in keep or any(r[i] not in (None, "", []) for r in rows)]
    if not rows:
        live = list(range(len(cols)))
    spec = {"cols": [list(cols[i]) for i in live], "rows": [[r[i] for i in live] for r in rows], **opts}
    odd = {}
    for i in live:
        if cols[i][1] in (G, "G"):
            for r in rows:
                for gid in (r[i] if isinstance(r[i], list) else [r[i]]):
                    if gid and not SAFE_SLUG.match(gid):
                        odd[gid] = slug(gid)
    if odd:
        spec["slugs"] = {**odd, **spec.get("slugs", {})}
    return spec


def stat_cards(items: list[tuple[str, object, str]]) -> str:
    """A row of 'big number + label' cards; each item is (label, value, css id)."""
    cards = "".join(
        f'<div class="stat" id="{esc(cid)}"><b>{esc(value)}</b><span>{esc(label)}</span></div>'
        for label, value, cid in items
    )
    return f'<div class="stats">{cards}</div>'


def tags_html(tags: list[str], root: str) -> str:
    """Tag chips linking to the traits index filtered by that tag."""
    return "".join(f'<a class="tag" href="{root}traits.html#tag={esc(t)}">{esc(t)}</a>' for t in tags)


def page(site: str, title: str, kind: str, root: str, body: str, data: dict | None = None, active: str = "",
         nav_pages: list | None = None) -> str:
    """A complete HTML page: top bar with search, BODY, footer, inline JSON data and hub.js.

    The page's tables are also rendered here as plain HTML, so they read without JavaScript
    (hub.js then replaces them with sortable, filterable ones).
    """
    on = ' class="on"'
    links = [("traits", "traits.html", "Traits"), ("genes", "genes.html", "Genes"), ("panels", "panels.html", "Panels")]
    links += [(k, f"{k}.html", t) for k, t in (nav_pages or [])]
    nav = "".join(
        f'<a href="{root}{esc(href)}"{on if active == key else ""}>{esc(label)}</a>'
        for key, href, label in links
    )
    for name, spec in ((data or {}).get("tables") or {}).items():
        body = body.replace(f'<div data-table="{name}"></div>', f'<div data-table="{name}">{table_html(spec, root)}</div>')
    payload = f'<script id="page-data" type="application/json">{to_json(data)}</script>\n' if data is not None else ""
    return (
        "<!doctype html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(title)} · {esc(site)}</title>"
        '<link rel="icon" href="data:,">'
        f'<link rel="stylesheet" href="{root}static/hub.css"></head>\n'
        f'<body data-page="{kind}" data-root="{root}">\n'
        f'<header class="top"><a class="brand" href="{root}index.html">{esc(site)}</a><nav>{nav}</nav>'
        '<div class="gsearch"><input type="search" id="gsearch" placeholder="Search traits and genes…" '
        'autocomplete="off" aria-label="Search traits and genes"><div class="gresults" id="gresults"></div></div></header>\n'
        f'<main>\n{body}\n</main>\n'
        '<footer>Built with <a href="https://github.com/gusevlab/fusion_twas">FUSION</a>-format results by '
        "twascli hub · static site, no network needed</footer>\n"
        f"{payload}"
        f'<script src="{root}static/hub.js"></script>\n'
        "</body></html>\n"
    )


def _cell_html(kind: str, v: object, spec: dict, root: str) -> str:
    """One table cell as HTML (the server-side twin of hub.js renderCell)."""
    if v is None or v == "" or v == []:
        return '<td><span class="na">–</span></td>' if kind not in (N, "h") else '<td class="num"><span class="na">–</span></td>'
    slugs = spec.get("slugs") or {}

    def gene(g: str) -> str:
        return f'<a href="{root}genes/{esc(slugs.get(g) or slug(g))}.html">{esc(g)}</a>'

    if kind == N:
        return f'<td class="num">{esc(fmt_num(v))}</td>'
    if kind == "h":
        return f'<td class="heat">{esc(fmt_num(v))}</td>'
    if kind == G:
        return f"<td>{gene(v)}</td>"
    if kind == "G":
        return "<td>" + ", ".join(gene(g) for g in v) + "</td>"
    if kind == T:
        return f'<td><a href="{root}traits/{esc(v)}.html">{esc((spec.get("names") or {}).get(v, v))}</a></td>'
    if kind == L:
        return f'<td><a href="{root}{esc(v[1])}">{esc(v[0])}</a></td>'
    if kind == LL:
        return "<td>" + ", ".join(f'<a href="{root}{esc(x[1])}">{esc(x[0])}</a>' for x in v) + "</td>"
    if kind == J:
        return f'<td><span class="badge {esc(v)}">{esc(v)}</span></td>'
    if kind == TAGS:
        return "<td>" + " ".join(f'<span class="tag">{esc(t)}</span>' for t in v) + "</td>"
    if kind == "a":
        return f'<td><a href="{root}{esc(v[0])}" download>{esc(human_size(v[1]))}</a></td>'
    return f"<td>{esc(v)}</td>"


def table_html(spec: dict, root: str) -> str:
    """A table spec as a plain HTML table in its default order (what a reader without JavaScript sees)."""
    cols = spec["cols"]
    rows = spec["rows"]
    if spec.get("sort"):
        labels = [c[0] for c in cols]
        if spec["sort"][0] in labels:
            k = labels.index(spec["sort"][0])
            num = cols[k][1] in (N, "h")

            def key(r: list) -> tuple:
                v = r[k]
                if num:
                    try:
                        x = float(v)
                        return (0, x * spec["sort"][1])
                    except (TypeError, ValueError):
                        return (1, 0.0)
                return (0 if v not in (None, "") else 1, str(v))

            rows = sorted(rows, key=key)
    head = "".join(f'<th scope="col"{" class=num" if c[1] in (N, "h") else ""}>{esc(c[0])}</th>' for c in cols)
    if rows:
        mark = spec.get("mark")
        k = [c[0] for c in cols].index(mark[0]) if mark and mark[0] in [c[0] for c in cols] else -1
        body = "".join(("<tr class=\"" + esc(mark[2]) + "\">" if k >= 0 and r[k] == mark[1] else "<tr>")
                       + "".join(_cell_html(c[1], v, spec, root) for c, v in zip(cols, r)) + "</tr>" for r in rows)
    else:
        body = f'<tr><td colspan="{len(cols)}" class="empty">{esc(spec.get("empty") or "None.")}</td></tr>'
    tid = f' data-table-id="{esc(spec["id"])}"' if spec.get("id") else ""
    return f'<div class="scroll"><table class="data"{tid}><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>'


def section(title: str, inner: str, sid: str = "", note: str = "") -> str:
    """A titled card section."""
    note_html = f'<p class="note">{note}</p>' if note else ""
    sid_attr = f' id="{sid}"' if sid else ""
    return f'<section class="card"{sid_attr}><h2>{title}</h2>{note_html}{inner}</section>\n'


def downloads_html(files: list[tuple[str, int]], root: str) -> str:
    """A list of download links (site-relative path, size in bytes)."""
    if not files:
        return '<p class="note">No result files.</p>'
    items = "".join(
        f'<li><a href="{root}{esc(rel)}" download>{esc(rel.rsplit("/", 1)[-1])}</a> <span class="size">{human_size(size)}</span></li>'
        for rel, size in files
    )
    return f'<ul class="files">{items}</ul>'


def human_size(n: int) -> str:
    """Bytes as a short human-readable size."""
    if n < 1000:
        return f"{n} B"
    for unit in ("kB", "MB", "GB"):
        n /= 1000
        if n < 1000 or unit == "GB":
            return f"{n:.1f} {unit}"
    return f"{n:.1f} GB"


INT_RE = re.compile(r"^[-+]?\d+$")
NUM_RE = re.compile(r"^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$")


def fmt_g(x: float | None) -> str | None:
    """A number as the site shows it: 3 significant digits, scientific below 1e-3 (as hub.js fmtNum)."""
    if x is None or not math.isfinite(x):
        return None
    a = abs(x)
    if a == 0:
        return "0"
    if a < 1e-3:
        mant, ex = f"{x:.2e}".split("e")
        mant = mant.rstrip("0").rstrip(".")
        return f"{mant}e{ex[0]}{int(ex[1:]):02d}"
    if a >= 1000:
        return str(round(x))
    t = f"{x:.{max(0, 2 - math.floor(math.log10(a)))}f}"
    return t.rstrip("0").rstrip(".") if "." in t else t


def fmt_num(text: object) -> str:
    """A number cell of a result file as shown: integers as written, other numbers by fmt_g, text unchanged."""
    s = "" if text is None else str(text).strip()
    if INT_RE.match(s) or not NUM_RE.match(s):
        return s
    return fmt_g(float(s)) or s


def fmt_mb(p0: str | None, p1: str | None) -> str:
    """A region's bounds in Mb (from the file's base-pair text)."""
    try:
        return f"{int(float(p0)) / 1e6:.2f}–{int(float(p1)) / 1e6:.2f} Mb"
    except (TypeError, ValueError):
        return ""
