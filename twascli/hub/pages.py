"""HTML for the hub's pages: a small server-rendered skeleton plus the page's data as inline JSON.

Tables and plots are drawn by static/hub.js from that JSON, so every page works from file:// or
any static web server with nothing fetched from the network.
"""

from __future__ import annotations

import hashlib
import html
import json
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


def page(site: str, title: str, kind: str, root: str, body: str, data: dict | None = None, active: str = "") -> str:
    """A complete HTML page: top bar with search, BODY, footer, inline JSON data and hub.js."""
    on = ' class="on"'
    nav = "".join(
        f'<a href="{root}{href}"{on if active == key else ""}>{label}</a>'
        for key, href, label in (("traits", "traits.html", "Traits"), ("genes", "genes.html", "Genes"))
    )
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


def fmt_mb(p0: str | None, p1: str | None) -> str:
    """A region's bounds in Mb (from the file's base-pair text)."""
    try:
        return f"{int(float(p0)) / 1e6:.2f}–{int(float(p1)) / 1e6:.2f} Mb"
    except (TypeError, ValueError):
        return ""
