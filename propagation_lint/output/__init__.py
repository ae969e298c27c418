"""Output formats: one module per format, all behind :func:`render`.

Every formatter has the same signature: ``render(findings, *, rules, summary, stream)``.
``findings`` are printed in the order given (the caller sorts them, normally by
:meth:`Finding.sort_key`); ``rules`` are the rule classes of the run (SARIF lists them all,
the text statistics use their names); ``summary`` carries the counts only the caller knows.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import IO

from .. import __version__
from ..findings import Finding
from ..rule import Rule

FORMATS = ("text", "json", "sarif", "github")


@dataclass
class Summary:
    files_checked: int
    files_skipped: int
    # Findings removed by ``--fix`` in this run.
    fixed: int = 0
    # Remaining findings whose fix ``--fix`` would apply / that need ``--unsafe-fixes``.
    fixable_safe: int = 0
    fixable_unsafe: int = 0
    # ``--statistics``: a table of counts per code instead of one line per finding.
    statistics: bool = False
    # ``--show-fixes``: (path, code, count) of the fixes applied in this run.
    show_fixes: list[tuple[str, str, int]] = field(default_factory=list)
    quiet: bool = False
    color: bool = False
    # ``--unsafe-fixes``: unsafe fixes count as applicable (``[*]``)
    unsafe_fixes: bool = False
    tool_version: str = __version__


def _renderers() -> dict[str, Callable[..., None]]:
    from . import github, json, sarif, text

    return {
        "text": text.render,
        "json": json.render,
        "sarif": sarif.render,
        "github": github.render,
    }


def render(
    format: str,
    findings: Sequence[Finding],
    *,
    rules: Sequence[type[Rule]],
    summary: Summary,
    stream: IO[str],
) -> None:
    """Write ``findings`` to ``stream`` in ``format`` (one of :data:`FORMATS`)."""
    try:
        renderer = _renderers()[format]
    except KeyError:
        raise ValueError(f"unknown output format {format!r}; expected one of {', '.join(FORMATS)}") from None
    renderer(list(findings), rules=rules, summary=summary, stream=stream)


__all__ = ["FORMATS", "Summary", "render"]
