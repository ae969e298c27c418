"""``python -m propagation_lint``: kept for development; use the ``propagation-lint`` command.

``-m`` puts the working directory first on ``sys.path`` before any code of ours runs, and Python
goes on importing modules to start the package (``runpy`` on 3.9/3.10, ``importlib`` on 3.12+):
a checked repository's ``importlib.py`` or ``runpy.py`` runs before this file can stop it, and no
code inside the package can undo that. So:

- when Python was told not to put the directory there (``-P``/``PYTHONSAFEPATH`` on 3.11+,
  ``-I``), nothing of the directory can have run: the linter runs;
- otherwise the entry is removed at once (no later import can come from the checked tree), and
  when a module was already imported from it, the run stops with exit 2 and says which: that
  code has run, and the standard library may not be what it seems.
"""
import os
import sys


def _imported_from(directory: str) -> list:
    """Top-level modules loaded from ``directory`` itself (``name.py``, ``name/__init__.py``,
    ``name.<extension>``); our own package is allowed (a checkout run in place)."""
    found = []
    for name, module in list(sys.modules.items()):
        if "." in name or name in ("__main__", "propagation_lint"):
            continue
        origin = getattr(module, "__file__", None) or getattr(getattr(module, "__spec__", None), "origin", None)
        if not isinstance(origin, str) or not os.path.isabs(origin):
            continue
        parent, base = os.path.split(origin)
        if parent == directory and base.split(".")[0] == name:
            found.append(origin)
        elif os.path.dirname(parent) == directory and os.path.basename(parent) == name and base.startswith("__init__."):
            found.append(origin)
    return sorted(found)


if sys.path and sys.path[0] in ("", os.getcwd()):
    _directory = os.path.abspath(sys.path.pop(0))
    _shadowed = _imported_from(_directory)
    if _shadowed:
        sys.stderr.write(
            "error: `python -m propagation_lint` put the working directory first on sys.path, and "
            "Python imported (and ran) " + ", ".join(repr(p) for p in _shadowed) + " from it before "
            "the linter started; stopping here. Run the `propagation-lint` command instead "
            "(or `python -P -m propagation_lint` on Python 3.11+).\n"
        )
        sys.exit(2)

from propagation_lint.cli import run  # noqa: E402

if __name__ == "__main__":  # pragma: no cover
    run()
