"""Configuration fuzzing through the command line: every mistake is exit 2 with a message that
names the file and the key, never a traceback."""
from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings, strategies as st

from propagation_lint.cli import main
from propagation_lint.config import OPTIONS

from lint_subprocess import run_cli

SOURCE = "from threading import Thread\nx = 1\n"


def run(directory: Path, *args: str):
    """The CLI in-process in ``directory``: (exit code, everything printed)."""
    previous = os.getcwd()
    os.chdir(directory)
    try:
        result = CliRunner().invoke(main, ["check", "--no-cache", "-j", "1", *args], catch_exceptions=True)
    finally:
        os.chdir(previous)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"the CLI raised {result.exception!r}:\n{result.output}") from result.exception
    assert "Traceback" not in result.output, result.output
    return result.exit_code, result.output


def project(tmp_path: Path, config: str, name: str = "pyproject.toml") -> Path:
    (tmp_path / name).write_text(config)
    (tmp_path / "app.py").write_text(SOURCE)
    return tmp_path


def assert_config_error(tmp_path: Path, config: str, *expected: str, name: str = "pyproject.toml", args=()):
    code, out = run(project(tmp_path, config, name), *args)
    assert code == 2, out
    assert out.startswith("error: ") and name in out, out
    for fragment in expected:
        assert fragment in out, out
    return out


TOOL = "[tool.propagation-lint]\n"

CASES = {
    "malformed-toml": (TOOL + "select = [\"CTX101\"\n", ["invalid TOML"]),
    "bad-string": (TOOL + "cache-dir = 'unterminated\n", ["invalid TOML"]),
    "duplicate-key": (TOOL + "select = []\nselect = []\n", ["invalid TOML"]),
    "select-not-array": (TOOL + 'select = "CTX101"\n', ["[tool.propagation-lint] select", "expected an array"]),
    "select-item-type": (TOOL + "select = [101]\n", ["select", "item 1 is an integer"]),
    "unknown-rule": (TOOL + 'select = ["CTX999"]\n', ["select", "unknown rule selector 'CTX999'"]),
    "unknown-rule-in-ignore": (TOOL + 'ignore = ["NOPE1"]\n', ["ignore", "unknown rule selector"]),
    "unknown-key": (TOOL + "selekt = []\n", ["selekt", "unknown key", "did you mean 'select'"]),
    "snake-case-key": (TOOL + "max_file_size = 10\n", ["max_file_size", "did you mean 'max-file-size'"]),
    "conflicting-select-ignore": (TOOL + 'select = ["CTX101"]\nignore = ["CTX101"]\n', ["ignore", "conflicting", "CTX101"]),
    "size-not-int": (TOOL + 'max-file-size = "10MB"\n', ["max-file-size", "expected an integer number of bytes"]),
    "size-negative": (TOOL + "max-file-size = -1\n", ["max-file-size", "positive"]),
    "size-bool": (TOOL + "max-file-size = true\n", ["max-file-size", "got a boolean"]),
    "bool-as-string": (TOOL + 'respect-gitignore = "yes"\n', ["respect-gitignore", "expected true or false"]),
    "choice": (TOOL + 'thread-scope = "sometimes"\n', ["thread-scope", "invalid value 'sometimes'"]),
    "date": (TOOL + "cache-dir = 1979-05-27\n", ["cache-dir", "expected a string"]),
    "table-twice": (TOOL + "select = []\n" + TOOL, ["invalid TOML"]),
    "section-not-table": ('[tool]\n"propagation-lint" = 3\n', ["[tool.propagation-lint]", "expected a table"]),
    "publisher-missing-carrier": (TOOL + '[tool.propagation-lint.publishers."my.bus.publish"]\nposition = 1\n',
                                  ["publishers", "my.bus.publish", "missing required key 'carrier'"]),
    "publisher-bad-name": (TOOL + '[tool.propagation-lint.publishers.publish]\ncarrier = "h"\n',
                           ["publishers", "not a qualified name"]),
    "per-file-missing-path": ("[[tool.propagation-lint.per-file]]\nthread-scope = \"never\"\n",
                              ["per-file[0]", "missing required key 'path'"]),
    "per-file-unknown-key": ("[[tool.propagation-lint.per-file]]\npath = \"t/**\"\nselect = []\n",
                             ["per-file[0].select", "unknown key"]),
    "per-file-ignores-bad": (TOOL + '[tool.propagation-lint.per-file-ignores]\n"tests/**" = "CTX101"\n',
                             ["per-file-ignores", "tests/**", "expected an array"]),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_configuration_mistake_is_exit_2_naming_file_and_key(tmp_path, case):
    config, expected = CASES[case]
    assert_config_error(tmp_path, config, *expected)


def test_standalone_file_errors_name_it(tmp_path):
    out = assert_config_error(tmp_path, "select = 3\n", "select", "expected an array", name=".propagation-lint.toml")
    assert "[tool." not in out  # a standalone file has the keys at top level


def test_not_utf8(tmp_path):
    (tmp_path / "pyproject.toml").write_bytes(b"[tool.propagation-lint]\ncache-dir = '\xff'\n")
    (tmp_path / "app.py").write_text(SOURCE)
    code, out = run(tmp_path)
    assert code == 2 and "pyproject.toml" in out and "not UTF-8" in out, out


def test_error_in_a_nested_project_names_that_file(tmp_path):
    (tmp_path / "pyproject.toml").write_text(TOOL + "select = []\n")
    sub = tmp_path / "services" / "billing"
    sub.mkdir(parents=True)
    (sub / "pyproject.toml").write_text(TOOL + "thread-scope = 1\n")
    (sub / "app.py").write_text(SOURCE)
    code, out = run(tmp_path)
    assert code == 2 and "services/billing/pyproject.toml" in out and "thread-scope" in out, out


def test_huge_max_file_size_is_accepted(tmp_path):
    # The largest TOML integer: reading must not try to allocate it.
    code, out = run(project(tmp_path, TOOL + "max-file-size = 9223372036854775807\n"))
    assert code == 0, out


def test_other_tools_tables_are_ignored(tmp_path):
    code, out = run(project(tmp_path, "[tool.ruff]\nselekt = 3\n[project]\nname = 'x'\n"))
    assert code == 0, out


@pytest.mark.parametrize("args,expected", [
    (["missing.py"], "missing.py: no such file or directory"),
    (["--config", "nowhere.toml", "app.py"], "nowhere.toml"),
    (["--select", "CTX999", "app.py"], "unknown rule selector 'CTX999'"),
    (["--ignore", "XYZ", "app.py"], "unknown rule selector 'XYZ'"),
    (["--jobs", "0", "app.py"], "--jobs"),
    (["--output-format", "yaml", "app.py"], "yaml"),
])
def test_command_line_mistakes_are_exit_2(tmp_path, args, expected):
    (tmp_path / "app.py").write_text(SOURCE)
    code, out = run(tmp_path, *args)
    assert code == 2 and expected in out, out


def test_config_given_is_a_directory(tmp_path):
    (tmp_path / "conf.toml").mkdir()
    (tmp_path / "app.py").write_text(SOURCE)
    code, out = run(tmp_path, "--config", "conf.toml", "app.py")
    assert code == 2 and "conf.toml" in out, out


def test_explicit_config_with_a_mistake(tmp_path):
    (tmp_path / "ci.toml").write_text("ignore = [\"CTX1\", 7]\n")
    (tmp_path / "app.py").write_text(SOURCE)
    code, out = run(tmp_path, "--config", "ci.toml", "app.py")
    assert code == 2 and "ci.toml: ignore: " in out and "item 2" in out, out


def test_config_errors_print_no_traceback_from_a_real_process(tmp_path):
    project(tmp_path, TOOL + "select = [\"CTX101\"\n")
    result = run_cli(["check", "--no-cache", "app.py"], cwd=tmp_path, timeout=60)
    assert result.returncode == 2 and "Traceback" not in result.output, result.output
    assert result.stderr.startswith("error: pyproject.toml: invalid TOML"), result.output


# --- fuzzing ---------------------------------------------------------------------------------

KEYS = [o.key for o in OPTIONS]


def toml_string(text: str) -> str:
    out = []
    for ch in text:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04X}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return json.dumps(value)
    if isinstance(value, str):
        return toml_string(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    return "{" + ", ".join(f"{toml_string(k)} = {toml_value(v)}" for k, v in value.items()) + "}"


scalars = st.one_of(
    st.booleans(),
    st.integers(min_value=-(2 ** 63), max_value=2 ** 63 - 1),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=20),
    st.sampled_from(["CTX101", "CTX1", "ALL", "CTX", "ctx2", "CTX999", "link", "auto", "**/*.py",
                     "my.bus.publish", "headers", "[", "!x", ""]),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4),
                            st.dictionaries(st.one_of(st.sampled_from(KEYS + ["carrier", "path", "position"]),
                                                      st.text(max_size=8)), inner, max_size=3)),
    max_leaves=8,
)
tables = st.dictionaries(st.one_of(st.sampled_from(KEYS), st.text(min_size=1, max_size=12)), values, max_size=4)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(table=tables)
def test_fuzzed_configuration_never_crashes(table):
    body = "".join(f"{toml_string(k)} = {toml_value(v)}\n" for k, v in table.items())
    with tempfile.TemporaryDirectory() as tmp:
        directory = project(Path(tmp), TOOL + body)
        code, out = run(directory, "app.py")
    assert code in (0, 1, 2), out
    if code == 2:
        assert out.startswith("error: pyproject.toml: ") and "invalid TOML" not in out, out
        named = [k for k in table if k in out or json.dumps(k) in out]
        assert named, f"the message names no key of {list(table)}: {out}"


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(garbage=st.text(max_size=60))
def test_fuzzed_toml_text_never_crashes(garbage):
    with tempfile.TemporaryDirectory() as tmp:
        directory = project(Path(tmp), TOOL + garbage + "\n", name=".propagation-lint.toml")
        code, out = run(directory, "app.py")
    assert code in (0, 1, 2), out
    if code == 2:
        assert out.startswith("error: .propagation-lint.toml: "), out
