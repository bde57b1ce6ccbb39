"""Light formatting of message text, rendered safely.

*bold*, _italic_, `code`, line breaks and http(s) links. Every piece of the text is escaped
before any markup is added, and markup is only ever produced here, so a message cannot inject
HTML or script: `<script>` and `<img onerror=…>` come out as text.
"""

from __future__ import annotations

import re

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

# Code spans first (nothing inside them is formatted), then links.
TOKEN = re.compile(r"`(?P<code>[^`\n]+)`|(?P<url>https?://[^\s<>\"'`]+)", re.IGNORECASE)
BOLD = re.compile(r"(?<![\w*])\*(?=\S)([^*\n]*?\S)\*(?![\w*])")
ITALIC = re.compile(r"(?<![\w_])_(?=\S)([^_\n]*?\S)_(?![\w_])")
# Punctuation that usually ends a sentence rather than the link it follows.
TRAILING = ".,;:!?)]}'\""


def _emphasis(escaped: str) -> str:
    # Runs on text that is already escaped: `*`, `_` and the words between them are inert.
    escaped = BOLD.sub(r"<strong>\1</strong>", escaped)
    return ITALIC.sub(r"<em>\1</em>", escaped)


def _link(url: str) -> tuple[str, str]:
    """The link's markup and any trailing punctuation it should not swallow."""
    tail = ""
    while url and url[-1] in TRAILING:
        if url[-1] == ")" and url.count("(") >= url.count(")"):
            break  # a balanced parenthesis belongs to the URL (Wikipedia-style links)
        tail = url[-1] + tail
        url = url[:-1]
    href = escape(url)
    return (
        f'<a href="{href}" rel="nofollow noopener noreferrer" target="_blank">{href}</a>',
        tail,
    )


def render(text: str) -> SafeString:
    """The message as safe HTML."""
    out: list[str] = []
    pos = 0
    for match in TOKEN.finditer(text):
        out.append(_emphasis(escape(text[pos : match.start()])))
        if match.group("code") is not None:
            out.append(f"<code>{escape(match.group('code'))}</code>")
        else:
            markup, tail = _link(match.group("url"))
            out.append(markup + _emphasis(escape(tail)))
        pos = match.end()
    out.append(_emphasis(escape(text[pos:])))
    html = "".join(out).replace("\r\n", "\n").replace("\n", "<br>\n")
    return mark_safe(html)


def preview(text: str, limit: int = 140) -> str:
    """Plain one-line preview for conversation lists (the client escapes it like any text)."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"
