"""The site's own pages (About, Usage, citation, ...) from user Markdown, rendered safely.

markdown-it-py (already installed with typer's rich) in CommonMark mode with tables; raw HTML is
escaped, not passed through, and link targets such as javascript: are refused by its validator.
"""

from __future__ import annotations

import re


def render_markdown(text: str) -> tuple[str, str | None]:
    """HTML of TEXT (raw HTML escaped) and the text of its first level-1 heading (the page title)."""
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable("table")
    html_text = md.render(text)
    m = re.search(r"^#\s+(.+?)\s*#*\s*$", text, re.MULTILINE)
    return html_text, (m.group(1).strip() if m else None)
