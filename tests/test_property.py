"""Property-based tests: generated programs never make the linter raise, and fixes stay valid.

Programs come from hypothesmith: ``from_grammar()`` (any text the grammar derives: it may not
compile) and ``from_node()`` (libcst trees rendered to code). To make the rules and the fixer
actually run, generated code is also spliced into a file with real findings (kafka-python
publishes without context). Budgets are small so the suite stays fast; a failure prints the
shrunk program.
"""
from __future__ import annotations

import ast
import io
from pathlib import Path

import hypothesmith
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from propagation_lint.catalog import CATALOG
from propagation_lint.check import CheckOptions, run_check
from propagation_lint.engine import analyze_source
from propagation_lint.registry import all_rules, instantiate
from propagation_lint.rules.file_problems import FILE_PROBLEM_CODES

ROOT = Path(__file__).resolve().parents[1]
FIXABLE = (ROOT / "tests" / "rule_fixtures" / "fixes" / "publish" / "kafka_python.py").read_text()
RULES = instantiate(r.code for r in all_rules() if r.code not in FILE_PROBLEM_CODES)

BUDGET = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
)

programs = st.one_of(hypothesmith.from_grammar(), hypothesmith.from_node())


def lint(text: str):
    # trigger=None: every program is parsed and every rule runs, whatever the prefilter thinks
    return analyze_source(text, "generated.py", "generated", False, RULES, None, CATALOG, None)


def splice(program: str, where: int) -> str:
    """``program`` inserted at a line boundary of the fixable file."""
    lines = FIXABLE.splitlines(keepends=True)
    where %= len(lines) + 1
    if program and not program.endswith(("\n", "\r")):
        program += "\n"
    return "".join(lines[:where]) + program + "".join(lines[where:])


def compiles(text: str) -> bool:
    try:
        compile(text, "generated.py", "exec", ast.PyCF_ONLY_AST, dont_inherit=True)
        return True
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False


def check_stdin(tmp_path: Path, text: str, **flags) -> str:
    """``check --stdin-filename generated.py`` in an empty directory; returns stdout."""
    out = io.StringIO()
    options = CheckOptions(stdin_filename="generated.py", stdin_text=text, use_cache=False, jobs=1,
                           select=("ALL",), **flags)
    code = run_check(options, stdout=out, cwd=tmp_path)
    assert code in (0, 1), out.getvalue()
    return out.getvalue()


@BUDGET
@given(program=programs)
def test_generated_programs_never_make_the_linter_raise(program):
    result = lint(program)
    assert not result.internal_errors, result.internal_errors
    codes = {c.finding.code for c in result.candidates}
    if compiles(program):
        # CPython accepts it: it is linted, or at worst refused by a guard that says why
        assert "CTX001" not in codes or any("libcst" in c.finding.message for c in result.candidates)
    else:
        assert codes & {"CTX001", "CTX005"}, "a file CPython rejects is never reported clean"


@BUDGET
@given(program=programs, where=st.integers(min_value=0, max_value=200))
def test_generated_code_inside_a_real_file_is_deterministic(program, where):
    text = splice(program, where)
    first, second = lint(text), lint(text)
    assert not first.internal_errors, first.internal_errors
    assert [c.finding for c in first.candidates] == [c.finding for c in second.candidates]
    assert first.facts == second.facts


def test_the_spliced_file_has_fixes_to_apply(tmp_path):
    # Guards the property below against passing vacuously.
    fixed = check_stdin(tmp_path, FIXABLE, fix=True, unsafe_fixes=True)
    assert fixed != FIXABLE and compiles(fixed)


@pytest.mark.slow
@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                 HealthCheck.data_too_large, HealthCheck.function_scoped_fixture])
@given(program=programs, where=st.integers(min_value=0, max_value=200))
def test_fixes_on_generated_code_keep_it_valid_and_converge(tmp_path, program, where):
    text = splice(program, where)
    fixed = check_stdin(tmp_path, text, fix=True, unsafe_fixes=True)
    if fixed == text:
        return
    assert compiles(fixed) or not compiles(text), "a fix broke a file that compiled"
    again = check_stdin(tmp_path, fixed, fix=True, unsafe_fixes=True)
    assert again == fixed, "a second --fix changed the file again"
