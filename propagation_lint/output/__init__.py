"""Output formats: one module per format, all behind :func:`render`.

One module per format: ``text`` (``full``), ``concise``, ``json``, ``json_lines``, ``junit``,
``gitlab``, ``pylint``, ``rdjson``, ``azure``, ``sarif``, ``github``.

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

# ``full`` is the default, as in ruff since 0.5 (``concise`` was ruff's default before); ``text``
# is the name ``full`` had before ``concise`` existed, kept so that scripts keep working.
FORMATS = ("full", "concise", "text", "json", "json-lines", "junit", "gitlab", "pylint", "rdjson", "azure",
           "sarif", "github")
DEFAULT_FORMAT = "full"
TEXT_FORMATS = ("full", "concise", "text")


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


# each format's module, imported only when that format is asked for (junit's XML escaping
# pulls in urllib and http.client: a tenth of a pre-commit run's imports)
_MODULES = {
    "full": "text", "concise": "concise", "text": "text", "json": "json", "json-lines": "json_lines",
    "junit": "junit", "gitlab": "gitlab", "pylint": "pylint", "rdjson": "rdjson", "azure": "azure",
    "sarif": "sarif", "github": "github",
}


def _renderer(format: str) -> Callable[..., None]:
    import importlib

    return importlib.import_module(f"{__name__}.{_MODULES[format]}").render


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
        renderer = _renderer(format)
    except KeyError:
        raise ValueError(f"unknown output format {format!r}; expected one of {', '.join(FORMATS)}") from None
    renderer(list(findings), rules=rules, summary=summary, stream=stream)


__all__ = ["DEFAULT_FORMAT", "FORMATS", "TEXT_FORMATS", "Summary", "render"]
