"""What the prefilter reads as a file's imports (``engine.imported_names``: relevance and promotion
of skipped files): statements that start a line, after blanks only, as Python would run them."""
from propagation_lint.engine import imported_names

TEXT = '''\
import os, json as j
from app.worker import ship
    from .tasks import (
        first,
        second,
    )
x = 1; from not_a.line_start import hidden
y = "from inside.a_string import no"  # the keyword is not at the line's start
\tfrom app.tabbed \\
    import tab
import_me = 3
from app import importer_of  # a name that contains the keyword
'''


def test_statements_that_start_a_line_are_imports_others_are_not():
    assert imported_names(TEXT) == [
        [0, "app.worker", "ship"],
        [1, "tasks", "first"],
        [1, "tasks", "second"],
        [0, "app.tabbed", "tab"],
        [0, "app", "importer_of"],
        [0, "os", ""],
        [0, "json", ""],
        [0, "tab", ""],  # the continued line starts with the keyword too: read as a statement (harmless)
    ]
