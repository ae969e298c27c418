"""Which top-level modules are the standard library's: a call into one is never a project helper."""
from __future__ import annotations

import sys

from propagation_lint.names import _listed_stdlib, is_project_name, stdlib_module_names


def test_the_listing_used_before_python_3_10_finds_the_standard_library_and_nothing_installed():
    listed = _listed_stdlib()
    assert {"base64", "json", "threading", "asyncio", "concurrent", "contextvars", "email"} <= listed
    assert not {"pytest", "libcst", "click", "pip"} & listed  # site-packages is not the stdlib
    official = getattr(sys, "stdlib_module_names", None)
    if official:  # the listing agrees with Python's own list on what both hold
        assert len(listed & set(official)) > 0.9 * len(official)


def test_stdlib_calls_are_not_project_helpers():
    assert "base64" in stdlib_module_names()
    assert not is_project_name("base64.b64decode", "app.handlers")
    assert is_project_name("app.helpers.attach", "app.handlers")
