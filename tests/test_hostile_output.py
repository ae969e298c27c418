"""Names from a hostile tree cannot forge output, drive a terminal, or become a link that runs;
odd names, unreadable directories and odd standard input get findings, never a crash; and
``python -m`` says when the tree's own code ran before the linter (issue 15, items 3, 6, 7, 14
(standard input, nested configuration) and 16).

Everything runs through the real command line in a child process (``lint_subprocess``).
"""
from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from typing import Dict, List, Optional, Sequence
from urllib.parse import urlsplit

import pytest

from lint_subprocess import NOBODY, ROOT, Run, can_drop_privileges, public_tmpdir, run_cli

KAFKA = (ROOT / "tests" / "rule_fixtures" / "publishing" / "kafka_python_basic.py").read_text()
CHECK = ["check", "--no-cache", "-j", "1"]
FORGED = "nl\nfake.py:1:1: CTX999 forged.py"
# A consumer whose span names and queue carry terminal escapes: clear the screen, set the title.
ESCAPES = "\x1b[2J\x1b]0;pwned\x07"
SPANS = f'''import pika
from opentelemetry import trace

tracer = trace.get_tracer(__name__)


def handler(ch, method, properties, body):
    with tracer.start_as_current_span("{ESCAPES}process\\u202e"):
        pass


channel = pika.BlockingConnection().channel()
channel.basic_consume(queue="q{ESCAPES}", on_message_callback=handler)
'''


def _env(extra: Optional[Dict[str, str]] = None) -> Dict[str, str]:
    env = dict(os.environ, NO_COLOR="1", LC_ALL="C.UTF-8")
    env.pop("FORCE_COLOR", None)
    env["PYTHONPATH"] = os.pathsep.join(p for p in [str(ROOT), env.get("PYTHONPATH", "")] if p)
    env.update(extra or {})
    return env


def run_bytes(args: Sequence[str], cwd: Path, stdin: bytes = b"", launcher: Sequence[str] = ("-m", "propagation_lint")):
    """The command line with ``stdin`` as its standard input; output kept as bytes."""
    return subprocess.run([sys.executable, *launcher, *args], cwd=str(cwd), env=_env(), input=stdin,
                          capture_output=True, timeout=120)


def as_run(proc) -> Run:
    """Decoded strictly: output that is not valid UTF-8 fails the test here."""
    return Run(proc.returncode, proc.stdout.decode("utf-8"), proc.stderr.decode("utf-8"))


def _assert_no_terminal_controls(text: str) -> None:
    bad = sorted({c for c in text if (ord(c) < 0x20 and c not in "\n\t") or 0x7F <= ord(c) <= 0x9F
                  or c in "\u202e\u2066\u2028"})
    assert not bad, f"raw control characters {bad!r} in output:\n{text[-2000:]}"


# --- item 7: text and github output escape what comes from the checked tree -----------------

def test_a_file_named_with_a_newline_cannot_forge_a_finding_line(tmp_path):
    (tmp_path / FORGED).write_text(KAFKA)
    (tmp_path / "ok.py").write_text(KAFKA)
    run = run_cli([*CHECK, "."], cwd=tmp_path)
    run.assert_sane()
    assert run.returncode == 1
    _assert_no_terminal_controls(run.stdout)
    # every line starts where the linter started it: the forged text stays inside its file's name
    escaped = "nl\u240afake.py:1:1: CTX999 forged.py:"
    heads = [line for line in run.stdout.splitlines() if not line.startswith(" ")]
    assert heads[-3] == "Root causes (one change fixes every finding of a line):"
    assert [h.split(":")[0] for h in heads[:-3]] == ["nl\u240afake.py"] * 3 + ["ok.py"] * 3, run.stdout
    assert all(h.startswith(escaped) for h in heads[:3]) and heads[-2].startswith("Found 6 findings in 2 files")
    assert not any(line.lstrip(" ->").startswith("fake.py") for line in run.stdout.splitlines()), run.stdout


def test_escape_sequences_in_span_and_queue_names_are_shown_not_sent(tmp_path):
    (tmp_path / "consumer.py").write_text(SPANS)
    for fmt in ("text", "github"):
        run = run_cli([*CHECK, "--select", "ALL", "--output-format", fmt, "."], cwd=tmp_path)
        run.assert_sane()
        assert run.returncode == 1 and "CTX301" in run.stdout, run.output
        _assert_no_terminal_controls(run.stdout)
        assert "\u241b[2J\u241b]0;pwned\u2407process\\u202e" in run.stdout, run.stdout


def test_github_annotations_stay_one_command_per_line(tmp_path):
    (tmp_path / FORGED).write_text(KAFKA)
    (tmp_path / "consumer.py").write_text(SPANS)
    run = run_cli([*CHECK, "--select", "ALL", "--output-format", "github", "."], cwd=tmp_path)
    run.assert_sane()
    lines = run.stdout.splitlines()
    assert lines and all(line.startswith(("::error ", "::warning ", "::notice ")) for line in lines), run.stdout
    _assert_no_terminal_controls(run.stdout)
    assert any("file=nl\u240afake.py%3A1%3A1%3A CTX999 forged.py," in line for line in lines), run.stdout


# --- item 16: names that are not UTF-8, unreadable directories --------------------------------

def _non_utf8_file(directory: Path) -> Path:
    path = os.path.join(os.fsencode(directory), b"bad\xff.py")
    try:
        with open(path, "w") as fh:
            fh.write(KAFKA)
    except (OSError, UnicodeError):
        pytest.skip("this file system does not take a file name that is not UTF-8")
    return Path(os.fsdecode(path))


def test_a_file_name_that_is_not_utf8_is_linted_and_printed_escaped(tmp_path):
    _non_utf8_file(tmp_path)
    text = as_run(run_bytes([*CHECK, "."], tmp_path))
    text.assert_sane()
    assert text.returncode == 1 and text.codes() == ["CTX101"] * 3, text.output
    assert {f["path"] for f in text.findings()} == {"bad\\xff.py"}
    github = as_run(run_bytes([*CHECK, "--output-format", "github", "."], tmp_path))
    github.assert_sane()
    assert github.stdout.count("::error file=bad\\xff.py,") == 3, github.output
    sarif = as_run(run_bytes([*CHECK, "--output-format", "sarif", "."], tmp_path))
    sarif.assert_sane()
    uris = {loc["physicalLocation"]["artifactLocation"]["uri"]
            for result in json.loads(sarif.stdout)["runs"][0]["results"] for loc in result["locations"]}
    assert uris == {"bad%FF.py"}  # the byte itself, percent-encoded
    data = as_run(run_bytes([*CHECK, "--output-format", "json", "."], tmp_path))
    data.assert_sane()
    assert [f["code"] for f in json.loads(data.stdout)] == ["CTX101"] * 3
    for fmt in ("json", "html", "mermaid", "dot"):  # the map too, printed and written as UTF-8
        printed = as_run(run_bytes(["graph", "--no-cache", "--format", fmt], tmp_path))
        assert printed.returncode == 0 and printed.stderr == "", printed.output
        written = as_run(run_bytes(["graph", "--no-cache", "--format", fmt, "-o", f"map.{fmt}"], tmp_path))
        assert written.returncode == 0 and written.output == "", written.output
        assert (tmp_path / f"map.{fmt}").read_text(encoding="utf-8") == printed.stdout
    nodes = json.loads((tmp_path / "map.json").read_text(encoding="utf-8"))["nodes"]
    assert "bad\udcff" in {n["label"] for n in nodes}  # the exact name, once parsed
    assert 'href="bad%FF.py#L7"' in (tmp_path / "map.html").read_text(encoding="utf-8")


@pytest.mark.skipif(not can_drop_privileges(), reason="needs root to run the linter as another user")
def test_an_unreadable_directory_is_a_finding_like_an_unreadable_file():
    base = public_tmpdir()
    try:
        (base / "fine.py").write_text("x = 1\n")
        (base / "secret.py").write_text(KAFKA)
        (base / "locked").mkdir()
        (base / "locked" / "inner.py").write_text(KAFKA)
        for path in (base / "secret.py", base / "locked"):
            path.chmod(0)
        run = run_cli([*CHECK, "."], cwd=base, as_user=NOBODY)
        run.assert_sane()
        assert run.returncode == 1, run.output
        found = {(f["path"], f["code"]): f["msg"] for f in run.findings()}
        assert set(found) == {("locked", "CTX003"), ("secret.py", "CTX003")}, run.output
        assert "permission denied" in found[("locked", "CTX003")] and "not walked" in found[("locked", "CTX003")]
        assert "warning" not in run.stderr
    finally:
        for path in (base / "locked", base / "secret.py"):
            path.chmod(stat.S_IRWXU)
        shutil.rmtree(base)


# --- item 14: standard input and nested configurations ----------------------------------------

def test_stdin_beside_a_broken_nested_config_is_a_configuration_error(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "pyproject.toml").write_text("[tool.propagation-lint]\nselect = [\n")
    run = as_run(run_bytes([*CHECK, "--stdin-filename", "sub/x.py"], tmp_path, KAFKA.encode()))
    assert run.returncode == 2 and "Traceback" not in run.output, run.output
    assert run.stderr.startswith("error: sub/pyproject.toml: invalid TOML"), run.output


@pytest.mark.parametrize("data, detail", [
    (b"from kafka import KafkaProducer\nx = '\xff'\n", "cannot decode as utf-8"),
    (b"from kafka import KafkaProducer\x00\n", "null bytes"),
    (b"# -*- coding: latin-1 -*-\nfrom kafka import KafkaProducer\nx = '\xff'\n\x00", "null bytes"),
], ids=["not-utf8", "nul", "declared-coding-and-nul"])
def test_stdin_that_cannot_be_decoded_is_ctx002_as_a_file_is(tmp_path, data, detail):
    (tmp_path / "same.py").write_bytes(data)
    as_file = as_run(run_bytes([*CHECK, "same.py"], tmp_path))
    as_stdin = as_run(run_bytes([*CHECK, "--stdin-filename", "same.py"], tmp_path, data))
    for run in (as_file, as_stdin):
        run.assert_sane()
        assert run.codes() == ["CTX002"] and detail in run.stdout, run.output
    assert as_stdin.stdout == as_file.stdout


def test_stdin_fix_gives_undecodable_input_back_unchanged(tmp_path):
    data = b"from kafka import KafkaProducer\nx = '\xff'\n"
    proc = run_bytes([*CHECK, "--fix", "--stdin-filename", "x.py"], tmp_path, data)
    assert proc.returncode == 1 and proc.stdout == data, proc.stderr
    assert b"CTX002" in proc.stderr and b"Traceback" not in proc.stderr


@pytest.mark.parametrize("value", ["[" * 5000 + "]" * 5000, "{a = " * 5000 + "}" * 5000],
                         ids=["arrays", "inline-tables"])
def test_a_deeply_nested_pyproject_in_a_subfolder_is_a_clear_error(tmp_path, value):
    (tmp_path / "ok.py").write_text(KAFKA)
    (tmp_path / "deep").mkdir()
    (tmp_path / "deep" / "x.py").write_text(KAFKA)
    (tmp_path / "deep" / "pyproject.toml").write_text(f"[tool.propagation-lint]\nx = {value}\n")
    run = run_cli([*CHECK, "."], cwd=tmp_path)
    assert run.returncode == 2 and "Traceback" not in run.output, run.output
    assert run.stderr.startswith("error: deep/pyproject.toml: invalid TOML: "), run.output
    assert "nested too deeply" in run.stderr


# --- item 6: the HTML map ---------------------------------------------------------------------

HOSTILE_DIRS = ("javascript:alert(document.domain)", "JaVaScRiPt:alert(1)", "vbscript:msgbox(1)",
                "data:text,x", "<img src=x onerror=alert(1)>", "\" onmouseover=\"alert(1)", "a&quot;b")
HOSTILE_TOPIC = "</script><script>alert(1)</script><!--"


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: List[str] = []
        self.attributes: List[tuple] = []
        self.scripts: List[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attributes.extend((tag, k, v) for k, v in attrs)
        self._in_script = tag == "script"
        if self._in_script:
            self.scripts.append("")

    def handle_endtag(self, tag):
        self._in_script = False if tag == "script" else self._in_script

    def handle_data(self, data):
        if self._in_script:
            self.scripts[-1] += data


def _hostile_tree(tmp_path: Path) -> Path:
    tree = tmp_path / "tree"
    for name in HOSTILE_DIRS:
        (tree / name).mkdir(parents=True)
        (tree / name / "pub.py").write_text(KAFKA.replace('"orders"', repr(HOSTILE_TOPIC)))
    return tree


def _assert_safe_page(page_text: str, graph_json: dict) -> None:
    page = _Page()
    page.feed(page_text)
    page.close()
    assert page.tags.count("script") == 2, page.tags  # the map's data and its own script
    assert not {"img", "iframe", "object", "embed", "form", "base", "meta"} & set(page.tags[5:])
    links = [(tag, value) for tag, key, value in page.attributes if key in ("href", "src", "xlink:href", "action")]
    assert len(links) > 10
    for tag, value in links:
        scheme = urlsplit(value).scheme
        assert scheme in ("", "file") or value == "data:,", (tag, value)
    assert not [a for a in page.attributes if a[1].startswith("on")], "event handler attribute"
    assert json.loads(page.scripts[0]) == graph_json  # the data came through whole, and closed nothing


def test_html_map_links_cannot_carry_a_scheme_and_names_are_escaped(tmp_path):
    tree = _hostile_tree(tmp_path)
    graph_json = json.loads(run_cli(["graph", "--no-cache", "--format", "json"], cwd=tree).stdout)
    assert {n["label"] for n in graph_json["nodes"]} >= set(HOSTILE_DIRS) | {HOSTILE_TOPIC}
    printed = run_cli(["graph", "--no-cache", "--format", "html"], cwd=tree)
    assert printed.returncode == 0, printed.output
    _assert_safe_page(printed.stdout, graph_json)
    written = run_cli(["graph", "--no-cache", "--format", "html", "-o", "maps/map.html", "tree"], cwd=tree.parent)
    assert written.returncode == 2 and "cannot write maps/map.html" in written.stderr, written.output
    (tree.parent / "maps").mkdir()
    written = run_cli(["graph", "--no-cache", "--format", "html", "-o", "maps/map.html", "tree"], cwd=tree.parent)
    assert written.returncode == 0, written.output
    page = (tree.parent / "maps" / "map.html").read_text(encoding="utf-8")
    assert 'href="../tree/javascript%3Aalert%28document.domain%29/pub.py#L7"' in page
    parent_json = json.loads(run_cli(["graph", "--no-cache", "--format", "json", "tree"], cwd=tree.parent).stdout)
    _assert_safe_page(page, parent_json)


def test_mermaid_and_dot_labels_stay_on_one_line(tmp_path):
    (tmp_path / "pub.py").write_text(KAFKA.replace('"orders"', repr('q\nclick n0 href "javascript:alert(1)"\x1b[2J')))
    mermaid = run_cli(["graph", "--no-cache", "--format", "mermaid"], cwd=tmp_path)
    assert mermaid.returncode == 0, mermaid.output
    assert not any(line.strip().startswith("click") for line in mermaid.stdout.splitlines()), mermaid.stdout
    dot = run_cli(["graph", "--no-cache", "--format", "dot"], cwd=tmp_path)
    assert dot.returncode == 0, dot.output
    for text in (mermaid.stdout, dot.stdout):
        _assert_no_terminal_controls(text)
        assert "q\u240aclick" in text


# --- item 3: python -m --------------------------------------------------------------------------

# What ``python -m propagation_lint`` does on Python 3.12+ in a tree holding ``importlib.py``
# (3.9/3.10: ``runpy.py``): the working directory goes first on sys.path and a module of the tree
# is imported before the package starts. Simulated here so it happens on every Python version.
LAUNCHER = (
    "import os, runpy, sys; sys.path.insert(0, os.getcwd()); import {module}; "
    "runpy.run_module('propagation_lint', run_name='__main__', alter_sys=True)"
)


def test_python_m_refuses_to_lint_after_the_trees_own_module_ran(tmp_path):
    (tmp_path / "app.py").write_text(KAFKA)
    (tmp_path / "shadow_stdlib.py").write_text("open('ran.txt', 'w').close()\n")
    proc = run_bytes([*CHECK, "."], tmp_path, launcher=("-c", LAUNCHER.format(module="shadow_stdlib")))
    run = as_run(proc)
    assert (tmp_path / "ran.txt").exists()  # nothing can stop this: it ran before our code
    assert run.returncode == 2 and run.stdout == "", run.output
    assert "shadow_stdlib.py" in run.stderr and "`propagation-lint` command" in run.stderr, run.output


def test_python_m_runs_when_nothing_of_the_tree_was_imported(tmp_path):
    (tmp_path / "app.py").write_text(KAFKA)
    for name in ("importlib.py", "runpy.py", "json.py", "ast.py"):
        (tmp_path / name).write_text("open('ran.txt', 'w').close()\n")
    run = run_cli([*CHECK, "app.py"], cwd=tmp_path)
    run.assert_sane()
    assert run.returncode == 1 and run.codes() == ["CTX101"] * 3


def test_the_console_script_never_runs_the_trees_modules(tmp_path):
    script = Path(sys.executable).parent / "propagation-lint"
    if not script.exists():
        pytest.skip("the propagation-lint console script is not installed next to this interpreter")
    for name in ("importlib.py", "runpy.py", "site.py", "encodings.py", "json.py", "click.py"):
        (tmp_path / name).write_text("open('ran.txt', 'w').close()\n")
    (tmp_path / "app.py").write_text(KAFKA)
    proc = subprocess.run([str(script), *CHECK, "app.py"], cwd=str(tmp_path), env=_env(), capture_output=True,
                          timeout=120)
    assert proc.returncode == 1 and b"Traceback" not in proc.stderr, proc.stderr
    assert not (tmp_path / "ran.txt").exists()
