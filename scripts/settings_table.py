"""Writes the README's settings table from ivr/settings.py (run after adding a setting).

`python scripts/settings_table.py` rewrites the block between the settings-table markers;
`--check` exits non-zero when the README is out of date (the test suite runs the same check).
"""

from __future__ import annotations

import sys
from pathlib import Path

from ivr.settings import documented_settings

README = Path(__file__).resolve().parent.parent / "README.md"
START, END = "<!-- settings-table -->", "<!-- /settings-table -->"


def render_table() -> str:
    lines = ["| variable | default | what it does |", "|---|---|---|"]
    for name, default, doc in documented_settings():
        shown = f"`{default}`" if default else "(empty)"
        lines.append(f"| `{name}` | {shown} | {doc} |")
    return "\n".join(lines)


def rewritten(readme: str) -> str:
    before, rest = readme.split(START, 1)
    _, after = rest.split(END, 1)
    return f"{before}{START}\n{render_table()}\n{END}{after}"


def main() -> int:
    text = README.read_text(encoding="utf-8")
    new = rewritten(text)
    if "--check" in sys.argv:
        if new != text:
            print("README.md settings table is out of date: run scripts/settings_table.py")
            return 1
        return 0
    README.write_text(new, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
