"""The rule documentation pages: ``docs/rules/CTXnnn.md`` in the repository, one per rule, with
the same text as ``propagation-lint rule CTXnnn``; every output format links a finding to its
rule's page (``url`` in JSON, ``helpUri`` in SARIF, ``code.url`` in rdjson).

The pages are generated (``python -m propagation_lint.ruledocs docs/rules``); a test checks that
the committed pages equal what :func:`pages` gives, so they cannot drift from ``rule CODE``.
"""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Dict

REPOSITORY_URL = "https://github.com/propagation-lint/propagation-lint"
DOCS_URL = REPOSITORY_URL + "/blob/main/docs/rules/"
DOCS_DIR = "docs/rules"


def rule_url(code: str) -> str:
    """The documentation page of rule ``code``."""
    return f"{DOCS_URL}{code}.md"


def pages() -> Dict[str, str]:
    """``{file name: text}`` of every rule's page, and of the index ``README.md``."""
    from .registry import all_rules

    out = {f"{r.code}.md": r.documentation() for r in all_rules()}
    index = ["# Rules", "",
             "One page per rule, generated from the same text as `propagation-lint rule CODE`",
             "(`python -m propagation_lint.ruledocs docs/rules` writes them again).", "",
             "| Code | Name | Fix | Default | Message |", "| --- | --- | --- | --- | --- |"]
    for r in all_rules():
        default = "on" if r.default_enabled else "opt-in"
        index.append(f"| [{r.code}]({r.code}.md) | {r.name} | {r.fixable} | {default} | {r.message} |")
    out["README.md"] = "\n".join(index) + "\n"
    return out


def write(directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    for stale in directory.glob("CTX*.md"):
        stale.unlink()
    for name, text in pages().items():
        (directory / name).write_text(text, encoding="utf-8", newline="\n")


if __name__ == "__main__":  # pragma: no cover
    write(Path(sys.argv[1] if len(sys.argv) > 1 else DOCS_DIR))
