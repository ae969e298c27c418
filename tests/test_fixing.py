"""The fix engine: ``check --fix / --unsafe-fixes / --diff / --show-fixes / --exit-non-zero-on-fix``.

The rules with fixes are test-only rules defined here (registered by monkeypatching the
registry), so these tests pin the engine's behaviour independently of the real rules:

- ``CTX991`` (safe): ``old_api(...)`` -> ``newlib.new_api(...)`` plus ``import newlib`` (a fix with
  two edits; several findings add the same import, which must be applied once);
- ``CTX992`` (unsafe): ``danger(...)`` -> ``careful(...)``;
- ``CTX993`` (safe, broken on purpose): ``breakme(...)`` -> ``breakme((...)`` (invalid Python);
- ``CTX994``: ``nofix(...)`` is reported without a fix;
- ``CTX995`` (safe): ``wrap(x)`` -> ``wrapped(x)`` replacing the whole call, so nested calls give
  overlapping fixes that need two passes.
"""
from __future__ import annotations

import io
import json
import os
import shutil
import stat
import subprocess
from pathlib import Path

import libcst as cst
import pytest
from click.testing import CliRunner

from propagation_lint import registry
from propagation_lint.check import CheckOptions, run_check
from propagation_lint.cli import main
from propagation_lint.findings import Edit
from propagation_lint.fixbuilder import add_import, make_fix, replace_node
from propagation_lint.fixing import apply_edits, unified_diff
from propagation_lint.rule import Rule


def _calls(model, name):
    found = []

    class V(cst.CSTVisitor):
        def visit_Call(self, node):
            if isinstance(node.func, cst.Name) and node.func.value == name:
                found.append(node)

    model.tree.visit(V())
    return found


class _TestRule(Rule):
    fixable = "always"
    what_it_does = "test rule"
    why_bad = "test rule"
    example = "test rule"
    use_instead = "test rule"
    fix_safety = "test rule"
    target = ""

    def check(self, model, ctx):
        for node in _calls(model, self.target):
            if self.applies(ctx, node):
                yield ctx.candidate(self, node, target=self.target, fix=self.build_fix(ctx, node))

    def applies(self, ctx, node):
        return True

    def build_fix(self, ctx, node):
        return None


class OldApi(_TestRule):
    code, name, message, target = "CTX991", "old-api", "`old_api` is deprecated", "old_api"
    trigger_words = ("old_api",)

    def build_fix(self, ctx, node):
        return make_fix("safe", "Use `newlib.new_api`", [
            add_import(ctx, "newlib"),
            replace_node(ctx, node.func, "newlib.new_api"),
        ])


class Danger(_TestRule):
    code, name, message, target = "CTX992", "danger", "`danger` is risky", "danger"
    trigger_words = ("danger",)

    def build_fix(self, ctx, node):
        return make_fix("unsafe", "Use `careful`", [replace_node(ctx, node.func, "careful")])


class BreakMe(_TestRule):
    code, name, message, target = "CTX993", "break-me", "`breakme` is broken", "breakme"
    trigger_words = ("breakme",)

    def build_fix(self, ctx, node):
        return make_fix("safe", "Break it", [replace_node(ctx, node.func, "breakme(")])


class NoFix(_TestRule):
    code, name, message, target = "CTX994", "no-fix", "`nofix` cannot be fixed", "nofix"
    fixable = "never"
    trigger_words = ("nofix",)


class Wrap(_TestRule):
    code, name, message, target = "CTX995", "wrap", "`wrap` should be `wrapped`", "wrap"
    trigger_words = ("wrap",)

    def build_fix(self, ctx, node):
        args = ", ".join(ctx.code_for(a) for a in node.args)
        return make_fix("safe", "Use `wrapped`", [replace_node(ctx, node, f"wrapped({args})")])


class Multiline(_TestRule):
    code, name, message, target = "CTX996", "multiline", "`announce` needs a log line", "announce"
    trigger_words = ("announce",)

    def applies(self, ctx, node):
        line = ctx.location(node).line
        return line == 1 or not ctx.text.splitlines()[line - 2].startswith("log(")

    def build_fix(self, ctx, node):
        # inserts a statement before the call's line, written with "\n" whatever the file uses
        loc = ctx.location(node)
        return make_fix("safe", "Log first", [Edit(loc.line, loc.column, loc.line, loc.column, "log('ä')\n")])


TEST_RULES = (OldApi, Danger, BreakMe, NoFix, Wrap, Multiline)


@pytest.fixture(autouse=True)
def test_rules(monkeypatch):
    real = registry.all_rules()
    monkeypatch.setattr(registry, "all_rules", lambda: tuple(real) + TEST_RULES)


SELECT = ("CTX99",)


def check(tmp_path, *paths, stdin=None, **flags):
    """Run ``check`` like the CLI does, in ``tmp_path``; returns (exit code, stdout)."""
    out = io.StringIO()
    paths = tuple(str(tmp_path / p) for p in paths) or (str(tmp_path),)
    options = CheckOptions(paths=paths, select=SELECT, use_cache=False, jobs=1, **flags)
    if stdin is not None:
        options.stdin_text = stdin
    code = run_check(options, stdout=out, cwd=tmp_path)
    return code, out.getvalue()


def write(path: Path, text: str, encoding: str = "utf-8", newline: str = "") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding=encoding, newline=newline) as fh:
        fh.write(text)
    return path


SAMPLE = '''"""Doc."""
import os

x = old_api(1)
y = old_api(2)
'''

SAMPLE_FIXED = '''"""Doc."""
import os

import newlib

x = newlib.new_api(1)
y = newlib.new_api(2)
'''


# ----------------------------------------------------------------------------- exact output
def test_fix_exact_output_and_shared_import_applied_once(tmp_path, capsys):
    f = write(tmp_path / "m.py", SAMPLE)
    code, out = check(tmp_path, fix=True, show_fixes=True)
    assert f.read_text() == SAMPLE_FIXED
    assert code == 0
    assert out.splitlines() == [
        "Fixed 2 findings:",
        "- m.py:",
        "    2 x CTX991 (old-api)",
        "Fixed 2 findings. All checks passed! (1 file checked)",
    ]


def test_fix_is_idempotent(tmp_path):
    f = write(tmp_path / "m.py", SAMPLE + "z = wrap(wrap(danger(3)))\nnofix()\n")
    check(tmp_path, fix=True, unsafe_fixes=True)
    once = f.read_bytes()
    assert b"wrapped(wrapped(careful(3)))" in once
    code, out = check(tmp_path, fix=True, unsafe_fixes=True)
    assert f.read_bytes() == once
    assert code == 1  # the unfixable CTX994 remains
    assert "CTX994" in out and "Fixed" not in out


def test_overlapping_fixes_take_successive_passes(tmp_path):
    f = write(tmp_path / "m.py", "a = wrap(wrap(wrap(1)))\n")
    code, out = check(tmp_path, fix=True, show_fixes=True)
    assert f.read_text() == "a = wrapped(wrapped(wrapped(1)))\n"
    assert code == 0
    assert "    3 x CTX995 (wrap)" in out


def test_fix_that_breaks_the_file_is_not_written(tmp_path, capsys):
    text = "a = breakme(1)\nb = old_api(2)\n"
    f = write(tmp_path / "m.py", text)
    code, out = check(tmp_path, fix=True)
    err = capsys.readouterr().err
    # the good fix is applied, the broken one is dropped with a message naming file and rule
    assert f.read_text() == "import newlib\na = breakme(1)\nb = newlib.new_api(2)\n"
    assert "m.py:1:5: the fix of CTX993 (Break it) was not applied: syntax error" in err
    assert code == 1 and "m.py:2:5: CTX993" in out
    # and again: nothing written, the same message
    before = f.read_bytes()
    check(tmp_path, fix=True)
    assert f.read_bytes() == before


def test_only_broken_fix_leaves_file_untouched(tmp_path, capsys):
    f = write(tmp_path / "m.py", "a = breakme(1)\n")
    st = f.stat()
    code, _ = check(tmp_path, fix=True)
    assert code == 1
    assert f.read_text() == "a = breakme(1)\n"
    assert f.stat().st_mtime_ns == st.st_mtime_ns
    assert "CTX993" in capsys.readouterr().err


# ----------------------------------------------------------------------------- encodings, newlines, mode
def test_crlf_file_stays_crlf(tmp_path):
    f = write(tmp_path / "m.py", SAMPLE.replace("\n", "\r\n") + "announce()\r\n")
    check(tmp_path, fix=True)
    data = f.read_bytes()
    expected = (SAMPLE_FIXED + "log('ä')\nannounce()\n").replace("\n", "\r\n").encode()
    assert data == expected


def test_latin1_file_keeps_its_encoding(tmp_path):
    text = "# -*- coding: latin-1 -*-\ns = 'café'\nx = old_api(1)\nannounce()\n"
    f = write(tmp_path / "m.py", text, encoding="latin-1")
    code, _ = check(tmp_path, fix=True)
    assert code == 0
    assert f.read_bytes() == (
        "# -*- coding: latin-1 -*-\nimport newlib\ns = 'café'\nx = newlib.new_api(1)\nlog('ä')\nannounce()\n"
    ).encode("latin-1")


def test_fix_that_cannot_be_encoded_is_dropped(tmp_path, capsys):
    text = "# -*- coding: ascii -*-\nannounce()\nx = old_api(1)\n"
    f = write(tmp_path / "m.py", text, encoding="ascii")
    code, _ = check(tmp_path, fix=True)
    assert code == 1
    assert f.read_text() == "# -*- coding: ascii -*-\nimport newlib\nannounce()\nx = newlib.new_api(1)\n"
    assert "the fix of CTX996 (Log first) was not applied: the result cannot be encoded as ascii" in capsys.readouterr().err


def test_utf8_bom_is_kept(tmp_path):
    f = tmp_path / "m.py"
    f.write_bytes(b"\xef\xbb\xbf" + SAMPLE.encode())
    check(tmp_path, fix=True)
    assert f.read_bytes() == b"\xef\xbb\xbf" + SAMPLE_FIXED.encode()


@pytest.mark.skipif(os.name != "posix", reason="permission bits")
def test_file_mode_is_preserved(tmp_path):
    f = write(tmp_path / "m.py", SAMPLE)
    os.chmod(f, 0o751)
    check(tmp_path, fix=True)
    assert f.read_text() == SAMPLE_FIXED
    assert stat.S_IMODE(f.stat().st_mode) == 0o751


def test_file_changed_on_disk_is_not_written(tmp_path, monkeypatch, capsys):
    import propagation_lint.source as source

    f = write(tmp_path / "m.py", SAMPLE)
    real = source.write_atomic

    def edit_then_write(path, new_text, original):
        Path(path).write_text(SAMPLE + "# edited meanwhile\n")  # the user saves while we fix
        return real(path, new_text, original)

    monkeypatch.setattr(source, "write_atomic", edit_then_write)
    code, out = check(tmp_path, fix=True)
    assert f.read_text() == SAMPLE + "# edited meanwhile\n"
    assert "m.py: changed on disk since it was read; not written" in capsys.readouterr().err
    assert code == 1 and "Fixed" not in out
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


# ----------------------------------------------------------------------------- --diff
def test_diff_writes_nothing_and_git_apply_accepts_it(tmp_path, capsys):
    if shutil.which("git") is None:
        pytest.skip("git not installed")
    write(tmp_path / "pkg" / "a.py", SAMPLE)
    write(tmp_path / "pkg" / "b.py", "q = wrap(wrap(1))", newline="")  # no final newline
    write(tmp_path / "c.py", "x = old_api(1)\r\n")
    write(tmp_path / "clean.py", "print(1)\n")
    before = {p: p.read_bytes() for p in tmp_path.rglob("*.py")}
    code, out = check(tmp_path, diff=True)
    assert code == 1
    assert {p: p.read_bytes() for p in tmp_path.rglob("*.py")} == before
    assert "--- a/pkg/a.py\n+++ b/pkg/a.py\n" in out
    assert "--- a/c.py\n+++ b/c.py\n" in out and "clean.py" not in out
    assert "Would fix 5 findings." in capsys.readouterr().err

    git = ["git", "-c", "core.autocrlf=false", "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run(git + ["init", "-q"], cwd=tmp_path, check=True)
    (tmp_path / "fix.patch").write_bytes(out.encode())
    subprocess.run(git + ["apply", "--check", "fix.patch"], cwd=tmp_path, check=True)
    subprocess.run(git + ["apply", "fix.patch"], cwd=tmp_path, check=True)
    # the patch does exactly what --fix would do
    applied = {p: p.read_bytes() for p in tmp_path.rglob("*.py")}
    for p, data in before.items():
        p.write_bytes(data)
    check(tmp_path, fix=True)
    assert {p: p.read_bytes() for p in tmp_path.rglob("*.py")} == applied
    assert applied[tmp_path / "pkg" / "b.py"] == b"q = wrapped(wrapped(1))"
    assert applied[tmp_path / "c.py"] == b"import newlib\r\nx = newlib.new_api(1)\r\n"


def test_diff_exit_zero_when_nothing_to_fix(tmp_path, capsys):
    write(tmp_path / "m.py", "nofix()\ndanger()\n")
    assert check(tmp_path, diff=True) == (0, "")
    code, out = check(tmp_path, diff=True, unsafe_fixes=True)
    assert code == 1
    assert out == "--- a/m.py\n+++ b/m.py\n@@ -1,2 +1,2 @@\n nofix()\n-danger()\n+careful()\n"


# ----------------------------------------------------------------------------- exit codes
@pytest.mark.parametrize(
    "text, flags, expected_code, expected_text",
    [
        # everything fixable and fixed: 0; with --exit-non-zero-on-fix: 1
        ("old_api()\n", {"fix": True}, 0, "import newlib\nnewlib.new_api()\n"),
        ("old_api()\n", {"fix": True, "exit_non_zero_on_fix": True}, 1, "import newlib\nnewlib.new_api()\n"),
        # unfixed findings remain: 1
        ("old_api()\nnofix()\n", {"fix": True}, 1, "import newlib\nnewlib.new_api()\nnofix()\n"),
        # an unsafe fix needs --unsafe-fixes
        ("danger()\n", {"fix": True}, 1, "danger()\n"),
        ("danger()\n", {"fix": True, "unsafe_fixes": True}, 0, "careful()\n"),
        # nothing to fix at all
        ("print()\n", {"fix": True}, 0, "print()\n"),
        ("print()\n", {"fix": True, "exit_non_zero_on_fix": True}, 0, "print()\n"),
        ("nofix()\n", {"fix": True, "exit_non_zero_on_fix": True}, 1, "nofix()\n"),
        # --exit-zero still wins for remaining findings, but not over --exit-non-zero-on-fix
        ("nofix()\n", {"fix": True, "exit_zero": True}, 0, "nofix()\n"),
        # without --fix nothing is written
        ("old_api()\n", {}, 1, "old_api()\n"),
        ("old_api()\n", {"exit_non_zero_on_fix": True}, 1, "old_api()\n"),
        ("old_api()\n", {"unsafe_fixes": True}, 1, "old_api()\n"),
        # --diff wins over --fix: nothing written
        ("old_api()\n", {"fix": True, "diff": True}, 1, "old_api()\n"),
        ("print()\n", {"diff": True}, 0, "print()\n"),
    ],
)
def test_exit_codes(tmp_path, text, flags, expected_code, expected_text):
    f = write(tmp_path / "m.py", text)
    code, _ = check(tmp_path, **flags)
    assert code == expected_code
    assert f.read_text() == expected_text


def test_cli_flags_end_to_end(tmp_path, monkeypatch):
    write(tmp_path / "m.py", SAMPLE + "danger()\n")
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    result = runner.invoke(main, ["check", "--no-cache", "--select", "CTX99", "--fix", "--show-fixes"])
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        "m.py:8:1: CTX992 `danger` is risky",
        "  fix (unsafe): Use `careful`",
        "Fixed 2 findings:",
        "- m.py:",
        "    2 x CTX991 (old-api)",
        "Fixed 2 findings; 1 remaining in 1 file (1 file checked).",
        "No safe fixes available (1 fixable with --fix --unsafe-fixes).",
    ]
    result = runner.invoke(main, ["check", "--no-cache", "--select", "CTX99", "--fix", "--unsafe-fixes",
                                  "--exit-non-zero-on-fix"])
    assert result.exit_code == 1
    assert (tmp_path / "m.py").read_text() == SAMPLE_FIXED + "careful()\n"
    result = runner.invoke(main, ["check", "--no-cache", "--select", "CTX99", "--fix", "--unsafe-fixes",
                                  "--exit-non-zero-on-fix"])
    assert result.exit_code == 0


# ----------------------------------------------------------------------------- stdin
def test_stdin_fix_writes_only_the_source_to_stdout(tmp_path, capsys):
    code, out = check(tmp_path, stdin=SAMPLE + "nofix()\n", stdin_filename="svc/m.py", fix=True)
    assert out == SAMPLE_FIXED + "nofix()\n"
    assert code == 1
    err = capsys.readouterr().err
    assert "svc/m.py:8:1: CTX994" in err
    assert not (tmp_path / "svc").exists()


def test_stdin_fix_without_fixes_echoes_the_input(tmp_path, capsys):
    code, out = check(tmp_path, stdin="print()\r\n", stdin_filename="m.py", fix=True)
    assert (code, out) == (0, "print()\r\n")


def test_stdin_diff(tmp_path, capsys):
    code, out = check(tmp_path, stdin="danger()\n", stdin_filename="m.py", diff=True, unsafe_fixes=True)
    assert code == 1
    assert out == "--- a/m.py\n+++ b/m.py\n@@ -1 +1 @@\n-danger()\n+careful()\n"


# ----------------------------------------------------------------------------- the building blocks
def test_apply_edits_positions_and_newlines():
    text = "a = 1\r\nb = 2\r\n"
    assert apply_edits(text, [Edit(2, 5, 2, 6, "3")]) == "a = 1\r\nb = 3\r\n"
    assert apply_edits(text, [Edit(3, 1, 3, 1, "c = 4\n")]) == text + "c = 4\r\n"
    # identical edits (the same import from two fixes) are applied once
    imp = Edit(1, 1, 1, 1, "import x\n")
    assert apply_edits(text, [imp, imp]) == "import x\r\n" + text
    # columns count code points; a form feed or U+2028 is not a line break for Python
    assert apply_edits("s = 'é\u2028'; t = 1\n", [Edit(1, 15, 1, 16, "2")]) == "s = 'é\u2028'; t = 2\n"
    assert apply_edits("x = 1", [Edit(2, 1, 2, 1, "\ny = 2")]) == "x = 1\ny = 2"
    with pytest.raises(ValueError):
        apply_edits("x = 1\n", [Edit(1, 9, 1, 9, "!")])
    with pytest.raises(ValueError):
        apply_edits("x = 1\n", [Edit(1, 1, 1, 3, "a"), Edit(1, 2, 1, 4, "b")])


def test_unified_diff_marks_missing_final_newline():
    diff = unified_diff("a\nb", "a\nc", "p.py")
    assert diff == "--- a/p.py\n+++ b/p.py\n@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+c\n\\ No newline at end of file\n"


def test_unsafe_fix_is_marked_applicable_with_unsafe_fixes(tmp_path):
    write(tmp_path / "m.py", "danger()\n")
    _, out = check(tmp_path)
    assert out.splitlines()[:2] == ["m.py:1:1: CTX992 `danger` is risky", "  fix (unsafe): Use `careful`"]
    _, out = check(tmp_path, unsafe_fixes=True)
    assert out.splitlines()[:3] == [
        "m.py:1:1: CTX992 [*] `danger` is risky",
        "  fix (unsafe): Use `careful`",
        "Found 1 finding in 1 file (1 file checked).",
    ]
    assert out.splitlines()[3] == "[*] 1 fixable with --fix."


# ----------------------------------------------------------------------------- real rules
THREAD_FIX = Path(__file__).parent / "rule_fixtures" / "threads" / "fix"


def test_real_rule_diff_applies_with_git_and_matches_fix(tmp_path, capsys):
    """CTX2xx fixes (thread hand-offs): --diff is a patch git accepts and equals what --fix writes."""
    if shutil.which("git") is None:
        pytest.skip("git not installed")
    names = sorted(p.name[: -len(".fixed")] for p in THREAD_FIX.glob("*.py.fixed"))
    if not names:
        pytest.skip("no real rule with a fix yet")
    for name in names:
        shutil.copy(THREAD_FIX / name, tmp_path / name)
    out = io.StringIO()
    options = CheckOptions(paths=(str(tmp_path),), select=("CTX2",), use_cache=False, jobs=1, diff=True, unsafe_fixes=True)
    assert run_check(options, stdout=out, cwd=tmp_path) == 1
    git = ["git", "-c", "core.autocrlf=false"]
    subprocess.run(git + ["init", "-q"], cwd=tmp_path, check=True)
    (tmp_path / "fix.patch").write_text(out.getvalue())
    subprocess.run(git + ["apply", "fix.patch"], cwd=tmp_path, check=True)
    for name in names:
        assert (tmp_path / name).read_text() == (THREAD_FIX / f"{name}.fixed").read_text(), name
        compile((tmp_path / name).read_text(), name, "exec")
    # nothing left to fix: an empty diff, exit 0
    out = io.StringIO()
    assert run_check(options, stdout=out, cwd=tmp_path) == 0 and out.getvalue() == ""


EVIDENCE = '''from kafka import KafkaProducer
from opentelemetry import trace  # noqa: F401  (the service traces)
producer = KafkaProducer(bootstrap_servers="kafka:9092")


def order_placed(order):
    headers = [("source", b"shop")]
    producer.send("orders", value=order, headers=headers)
'''


def test_evidence_in_every_output_format(tmp_path):
    """A real finding's evidence: indented under it in text, in JSON, and in SARIF's
    relatedLocations and codeFlows (source order, ending at the finding); SARIF help = rule docs."""
    from propagation_lint.rules.publish_without_context import PublishWithoutContext

    write(tmp_path / "pub.py", EVIDENCE)

    def run(fmt):
        out = io.StringIO()
        options = CheckOptions(paths=(str(tmp_path),), select=("CTX101",), use_cache=False, jobs=1, output_format=fmt)
        assert run_check(options, stdout=out, cwd=tmp_path) == 1
        return out.getvalue()

    (finding,) = json.loads(run("json"))
    related = [(r["path"], r["line"], r["column"], r["message"]) for r in finding["related"]]
    assert ("pub.py", 7, 15, "the carrier `headers` is built here") in related
    assert ("pub.py", 8, 50, "the carrier `headers` is passed here without injected context") in related

    text = run("text").splitlines()
    assert text[0].startswith("pub.py:8:5: CTX101 ")
    arrows = [line for line in text if line.startswith("  --> ")]
    assert arrows == [f"  --> {p}:{line}:{col}: {msg}" for p, line, col, msg in related]
    # right under the finding, before the next finding or the summary
    assert text.index(arrows[-1]) < next(i for i, line in enumerate(text) if line.startswith("Found"))

    sarif = json.loads(run("sarif"))["runs"][0]
    (res,) = sarif["results"]
    assert [(loc["physicalLocation"]["region"]["startLine"], loc["message"]["text"]) for loc in res["relatedLocations"]] == [
        (line, msg) for _, line, _, msg in related
    ]
    steps = [s["location"]["physicalLocation"]["region"] for s in res["codeFlows"][0]["threadFlows"][0]["locations"]]
    # the function nothing calls (line 6: where a context may come from), then the carrier's path
    assert [(s["startLine"], s["startColumn"]) for s in steps] == [(6, 1), (7, 15), (8, 50), (8, 5)]
    rule = next(r for r in sarif["tool"]["driver"]["rules"] if r["id"] == "CTX101")
    assert rule["help"]["markdown"] == PublishWithoutContext.documentation()
    assert "## Fix safety" in rule["help"]["markdown"]

    gh = run("github")
    assert "%0A--> pub.py:7:15: the carrier `headers` is built here" in gh


@pytest.mark.slow
def test_fix_on_realistic_code_reduces_findings_keeps_files_valid_and_converges(tmp_path):
    """The issue's measurement, on a copy of the bundled example project and the thread fixtures
    (every rule enabled, the test-only rules of this module ignored)."""
    root = Path(__file__).resolve().parents[1]
    shutil.copytree(root / "fixtures" / "shop", tmp_path / "shop")
    shutil.copytree(root / "tests" / "rule_fixtures" / "threads", tmp_path / "threads")

    def run(**flags):
        out = io.StringIO()
        options = CheckOptions(paths=(str(tmp_path),), select=("ALL",), ignore=("CTX99",), use_cache=False,
                               jobs=1, output_format="json", **flags)
        run_check(options, stdout=out, cwd=tmp_path)
        return out.getvalue()

    def snapshot():
        return {p: p.read_bytes() for p in sorted(tmp_path.rglob("*.py"))}

    def compiles(data):
        try:
            compile(data, "<fixed>", "exec", dont_inherit=True)
            return True
        except SyntaxError:
            return False

    before = snapshot()
    findings_before = json.loads(run())
    fixable = [f for f in findings_before if f["fix"] is not None]
    if not fixable:
        pytest.skip("no rule with a fix fires on this code yet")
    findings_after = json.loads(run(fix=True, unsafe_fixes=True))
    after = snapshot()
    assert len(findings_after) < len(findings_before)
    assert {p for p in after if after[p] != before[p]}  # something was written
    for p, data in after.items():
        if compiles(before[p]):
            assert compiles(data), p
    assert [f for f in findings_after if f["fix"] is not None] == []  # every fix was applied
    # a second run changes nothing and has nothing left to show
    run(fix=True, unsafe_fixes=True)
    assert snapshot() == after
    assert run(diff=True, unsafe_fixes=True) == ""
