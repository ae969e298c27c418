import os
import sys

# ``python -m propagation_lint`` puts the working directory first on sys.path: a checked
# repository's own ``json.py`` or ``ast.py`` would then be imported (and run) in place of the
# standard library's. The linter never imports checked code, so that entry goes.
if sys.path and sys.path[0] in ("", os.getcwd()):
    del sys.path[0]

from propagation_lint.cli import main  # noqa: E402

if __name__ == "__main__":  # pragma: no cover
    main()
