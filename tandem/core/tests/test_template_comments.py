"""Django's `{# ... #}` comment ends at the end of its line: one spread over several lines is
printed on the page as text (an action item once showed its template's comment to users).
Longer comments use `{% comment %}`."""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
# `{#` with no `#}` after it on the same line.
UNCLOSED = re.compile(r"\{#(?!.*#\}).*$")


def templates() -> list[Path]:
    return sorted(p for p in (ROOT / "tandem").rglob("*.html") if "node_modules" not in p.parts)


def test_there_are_templates_to_check():
    assert len(templates()) > 100


def test_no_template_comment_runs_over_a_line():
    unclosed = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in templates()
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if UNCLOSED.search(line)
    ]
    assert unclosed == []
