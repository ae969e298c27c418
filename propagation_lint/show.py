"""``check --show-settings`` and ``check --show-files``: what a run would use, without running it.

``--show-settings PATH`` prints the configuration resolved for one file (or directory): which
configuration file applies (and what it extends), the rules enabled, and every key with its
value and where that value comes from (a configuration file, an ``extend``-ed one, a
``[[per-file]]`` table, ``--config``, or the default). ``--show-files`` prints the files a run
would lint, one a line, then each path it skips with the reason (an ``exclude`` pattern, a
``.gitignore`` line).
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, List

from .config import OPTIONS, Settings, glob_matches
from .discovery import DEFAULT_EXCLUDES
from .output.escape import printable


def settings_lines(settings: Settings, path: Path, cwd: Path, codes, command_line: List[str]) -> List[str]:
    """The ``--show-settings`` report of ``settings`` (already resolved for ``path``)."""
    shown = _display(path, cwd)
    config = _display(settings.path, cwd) if settings.path is not None else "none (the defaults)"
    lines = [f"Settings for {shown}", f"configuration file: {config}"]
    lines.append(f"enabled rules: {', '.join(codes) if codes else 'none'}")
    if command_line:
        lines.append(f"command line: {' '.join(command_line)}")
    per_file = _per_file_sources(settings, path)
    lines.append("")
    for option in OPTIONS:
        value = getattr(settings, option.field)
        if option.key == "per-file":  # as written: [{path = "...", key = value}, ...]
            keys = {o.field: o.key for o in OPTIONS}
            value = [dict({"path": glob}, **{keys[name]: v for name, v in fields}) for glob, fields in value]
        source = per_file.get(option.field) or settings.sources.get(option.key, "default")
        if value is None:
            value = _UNSET.get(option.key, value)
        text = "(unset: the rules on by default)" if value is None and option.key == "select" else _toml(value)
        lines.append(f"{option.key} = {text}  # {source}")
    return [printable(line) for line in lines]


# what a key left unset means
_UNSET = {"exclude": list(DEFAULT_EXCLUDES)}


def _per_file_sources(settings: Settings, path: Path) -> dict:
    out = {}
    if not settings.overrides or path.is_dir():
        return out
    rel = settings.relative_path(path)
    where = settings.sources.get("per-file", "the configuration")
    for glob, fields in settings.overrides:
        if glob_matches(glob, rel):
            for name, _ in fields:
                out[name] = f"[[per-file]] path = {json.dumps(glob)} in {where}"
    return out


def _toml(value: Any) -> str:
    if value is None:
        return "(unset)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple) and value and all(isinstance(v, tuple) and len(v) == 2 for v in value):
        return json.dumps({str(k): v for k, v in value}, default=list)  # per-file-ignores
    return json.dumps(value, default=list)


def files_lines(result, cwd: Path) -> List[str]:
    """The ``--show-files`` report of a discovery ``result`` (made with ``record_skips``)."""
    lines = [_display(f, cwd) for f in result.files]
    lines += [f"{_display(Path(d.path), cwd)}: {d.message}" for d in result.unwalked]
    prefix = cwd.as_posix().rstrip("/") + "/"
    for path, why in result.skipped:
        trailing = "/" if path.endswith("/") else ""
        why = why[len(prefix):] if why.startswith(prefix) else why  # a .gitignore's path
        lines.append(f"skipped: {_display(Path(path), cwd)}{trailing} ({why})")
    return [printable(line) for line in lines]


def _display(path, cwd: Path) -> str:
    absolute = os.path.abspath(path)
    try:
        return Path(absolute).relative_to(cwd).as_posix()
    except ValueError:
        return Path(absolute).as_posix()
