"""The habits a ruff user brings, through the command line: honest defaults, noqa, settings."""
from __future__ import annotations

import json
import os
from pathlib import Path

from test_cli import CLEAN, GAP, run, write


def test_a_folder_without_python_files_warns_and_nothing_linted_is_exit_2(tmp_path):
    write(tmp_path / "docs" / "index.md", "# docs\n")
    result = run(["check", "--no-cache", "docs"], tmp_path)
    assert result.exit_code == 2
    assert "warning: no Python files found under docs\n" in result.stderr
    assert "error: nothing to lint" in result.stderr


def test_one_empty_folder_among_others_warns_and_the_rest_is_linted(tmp_path):
    write(tmp_path / "svc" / "app.py", CLEAN)
    (tmp_path / "empty").mkdir()
    result = run(["check", "--no-cache", "svc", "empty"], tmp_path)
    assert result.exit_code == 0, result.output
    assert result.stderr == "warning: no Python files found under empty\n"
    assert "All checks passed! (1 file checked)" in result.stdout


def test_force_exclude_leaving_nothing_is_not_an_error(tmp_path):
    """pre-commit passes the changed files; when every one is excluded there is nothing to do."""
    write(tmp_path / "pyproject.toml", '[tool.propagation-lint]\nextend-exclude = ["gen"]\n')
    write(tmp_path / "gen" / "out.py", GAP)
    result = run(["check", "--no-cache", "--force-exclude", "gen/out.py"], tmp_path)
    assert result.exit_code == 0, result.output


def test_summary_separates_checked_from_read_with_nothing_relevant(tmp_path):
    write(tmp_path / "app.py", GAP)
    write(tmp_path / "util.py", "def add(a, b):\n    return a + b\n")
    write(tmp_path / "more.py", "X = 1\n")
    result = run(["check", "--no-cache"], tmp_path)
    assert result.stdout.splitlines()[-2] == (
        "Found 1 finding in 1 file (1 file checked; 2 read, nothing relevant).")


SEND = '    producer.send("orders", value=order)'


def _gap_with(comment: str) -> str:
    return GAP.replace(SEND, SEND + comment)


def test_noqa_with_a_reason_suppresses(tmp_path):
    for reason in ("  # noqa: CTX101 the consumer reads no headers", "  # noqa: CTX101 -- legacy consumer",
                   "  # noqa: E501, CTX1 -- both tools"):
        write(tmp_path / "app.py", _gap_with(reason))
        result = run(["check", "--no-cache"], tmp_path)
        assert result.exit_code == 0 and result.stderr == "", (reason, result.output)


def test_unknown_or_malformed_code_in_noqa_is_a_warning_naming_file_and_line(tmp_path):
    write(tmp_path / "app.py", _gap_with("  # noqa: CTX999") + "x = 1  # noqa: CTX10x\ny = 2  # noqa: E501\n")
    result = run(["check", "--no-cache"], tmp_path)
    assert result.exit_code == 1  # CTX999 suppresses nothing
    assert result.stderr == ("warning: app.py:7: unknown rule code 'CTX999' in a noqa comment\n"
                             "warning: app.py:8: malformed rule code 'CTX10x' in a noqa comment\n")
    assert "app.py:7:5: CTX101" in result.stdout


def test_unused_noqa_is_opt_in_and_its_safe_fix_removes_the_code(tmp_path):
    text = (GAP.replace(SEND, SEND + "  # noqa: CTX101")
            + "\n\ndef other():\n    x = 1  # noqa: E501, CTX201\n    y = 2  # noqa: CTX2 -- old # keep me\n"
            "    return x  # noqa: CTX201\n")
    write(tmp_path / "app.py", text)
    assert run(["check", "--no-cache"], tmp_path).exit_code == 0  # opt-in: off by default
    result = run(["check", "--no-cache", "--extend-select", "CTX006", "--output-format", "json"], tmp_path)
    found = [(f["code"], f["line"], f["message"]) for f in json.loads(result.stdout)]
    assert found == [("CTX006", 11, "unused noqa directive (unused: CTX201)"),
                     ("CTX006", 12, "unused noqa directive (unused: CTX2)"),
                     ("CTX006", 13, "unused noqa directive (unused: CTX201)")]
    assert all(f["fix"]["applicability"] == "safe" for f in json.loads(result.stdout))
    fixed = run(["check", "--no-cache", "--extend-select", "CTX006", "--fix"], tmp_path)
    assert fixed.exit_code == 0, fixed.output
    assert (tmp_path / "app.py").read_text() == (
        GAP.replace(SEND, SEND + "  # noqa: CTX101")  # used: kept
        + "\n\ndef other():\n    x = 1  # noqa: E501\n    y = 2  # keep me\n    return x\n")
    # with the rule it would suppress disabled, a code is not "unused"
    write(tmp_path / "app.py", text)
    quiet = run(["check", "--no-cache", "--select", "CTX1,CTX006"], tmp_path)
    assert quiet.exit_code == 0, quiet.output
    # nor in a file that cannot be parsed: its findings never had a chance
    write(tmp_path / "app.py", text + "\n\ndef broken(:\n    pass\n")
    broken = run(["check", "--no-cache", "--extend-select", "CTX006", "--output-format", "json"], tmp_path)
    assert [f["code"] for f in json.loads(broken.stdout)] == ["CTX001"]


def test_add_noqa_writes_codes_respects_comments_and_is_idempotent(tmp_path):
    write(tmp_path / "app.py", GAP.replace(SEND, SEND + "  # noqa: E501") + (
        '    producer.send("a", value=order)  # explain\n'
        '    producer.send("b",\n                  value=order)\n'
        '    producer.send("c", value="""x\ny""")\n'))
    os.chmod(tmp_path / "app.py", 0o640)
    result = run(["check", "--no-cache", "--add-noqa"], tmp_path)
    assert result.exit_code == 0
    assert result.stderr == ("warning: app.py:11: no noqa added: the line ends inside a string or continues "
                             "with a backslash\nAdded 3 noqa directives.\n")
    text = (tmp_path / "app.py").read_text()
    assert '    producer.send("orders", value=order)  # noqa: E501, CTX101\n' in text
    assert '    producer.send("a", value=order)  # explain  # noqa: CTX101\n' in text
    assert '    producer.send("b",  # noqa: CTX101\n' in text
    assert (tmp_path / "app.py").stat().st_mode & 0o777 == 0o640
    again = run(["check", "--no-cache", "--add-noqa"], tmp_path)
    assert again.stderr.endswith("Added 0 noqa directives.\n")
    assert (tmp_path / "app.py").read_text() == text
    remaining = run(["check", "--no-cache", "--output-format", "json"], tmp_path)
    assert [f["line"] for f in json.loads(remaining.stdout)] == [11]


def test_add_noqa_writes_only_inside_the_checked_tree(tmp_path):
    outside = write(tmp_path / "outside" / "lib.py", GAP)
    write(tmp_path / "tree" / "app.py", GAP)
    os.symlink(outside, tmp_path / "tree" / "linked.py")
    result = run(["check", "--no-cache", "--add-noqa", "."], tmp_path / "tree")
    assert "linked.py: resolves through a symbolic link" in result.stderr
    assert result.exit_code == 2
    assert outside.read_text() == GAP
    assert "# noqa: CTX101" in (tmp_path / "tree" / "app.py").read_text()


def test_add_noqa_with_fix_is_a_usage_error(tmp_path):
    write(tmp_path / "app.py", GAP)
    result = run(["check", "--add-noqa", "--fix"], tmp_path)
    assert result.exit_code == 2 and "--add-noqa cannot be combined with --fix" in result.stderr


def test_show_settings_says_each_value_and_where_it_comes_from(tmp_path):
    write(tmp_path / "pyproject.toml", '[tool.propagation-lint]\nextend-select = ["CTX401"]\nthread-scope = "always"\n')
    write(tmp_path / "svc" / "pyproject.toml", (
        '[tool.propagation-lint]\nextend = "../pyproject.toml"\nextend-select = ["CTX403"]\n'
        '[[tool.propagation-lint.per-file]]\npath = "app/special.py"\nconsumer-link-mode = "link"\n'))
    write(tmp_path / "svc" / "app" / "special.py", GAP)
    result = run(["check", "--show-settings", "--config", 'min-confidence = "high"', "--select", "CTX1",
                  "svc/app/special.py"], tmp_path)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[:4] == [
        "Settings for svc/app/special.py",
        "configuration file: svc/pyproject.toml",
        "enabled rules: CTX001, CTX002, CTX003, CTX004, CTX005, CTX101, CTX102, CTX103, CTX401, CTX403",
        "command line: --select CTX1",
    ]
    assert 'extend-select = ["CTX401", "CTX403"]  # pyproject.toml + svc/pyproject.toml' in lines
    assert 'thread-scope = "always"  # pyproject.toml' in lines
    assert 'consumer-link-mode = "link"  # [[per-file]] path = "app/special.py" in svc/pyproject.toml' in lines
    assert 'min-confidence = "high"  # --config' in lines
    assert "include-tests = false  # default" in lines
    assert "select = (unset: the rules on by default)  # default" in lines
    assert any(line.startswith('exclude = [".git", ') and line.endswith("  # default") for line in lines)
    assert 'per-file = [{"path": "app/special.py", "consumer-link-mode": "link"}]  # svc/pyproject.toml' in lines


def test_show_files_lists_what_is_linted_and_what_is_skipped_and_why(tmp_path):
    write(tmp_path / "pyproject.toml", '[tool.propagation-lint]\nextend-exclude = ["gen"]\n')
    write(tmp_path / "app" / "a.py", CLEAN)
    write(tmp_path / "build" / "b.py", GAP)
    write(tmp_path / "gen" / "g.py", GAP)
    write(tmp_path / "app" / ".gitignore", "scratch.py\n")
    write(tmp_path / "app" / "scratch.py", GAP)
    result = run(["check", "--show-files"], tmp_path)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "app/a.py",
        "skipped: app/scratch.py (app/.gitignore: scratch.py)",
        "skipped: build/ (default exclude: build)",
        "skipped: gen/ (extend-exclude: gen)",
    ]


def test_config_key_value_overrides_every_configuration(tmp_path):
    write(tmp_path / "pyproject.toml", '[tool.propagation-lint]\nignore = ["CTX101"]\n')
    write(tmp_path / "app.py", GAP)
    assert run(["check", "--no-cache"], tmp_path).exit_code == 0
    result = run(["check", "--no-cache", "--config", "ignore = []"], tmp_path)
    assert result.exit_code == 1 and "CTX101" in result.stdout
    bad = run(["check", "--no-cache", "--config", 'selct = ["CTX1"]'], tmp_path)
    assert bad.exit_code == 2
    assert bad.stderr == "error: --config 'selct = [\"CTX1\"]': selct: unknown key (did you mean 'select'?)\n"
    wrong = run(["check", "--no-cache", "--config", 'thread-scope = "sometimes"'], tmp_path)
    assert wrong.exit_code == 2 and "thread-scope: invalid value 'sometimes'" in wrong.stderr


def test_isolated_reads_no_configuration(tmp_path):
    write(tmp_path / "pyproject.toml", '[tool.propagation-lint]\nignore = ["CTX101"]\n')
    write(tmp_path / "app.py", GAP)
    result = run(["check", "--no-cache", "--isolated"], tmp_path)
    assert result.exit_code == 1 and "CTX101" in result.stdout
    both = run(["check", "--isolated", "--config", "pyproject.toml"], tmp_path)
    assert both.exit_code == 2 and "--isolated reads no configuration file" in both.stderr


def test_extend_for_monorepos(tmp_path):
    write(tmp_path / "pyproject.toml", '[tool.propagation-lint]\nignore = ["CTX101"]\n')
    write(tmp_path / "svc" / "pyproject.toml", '[tool.propagation-lint]\nextend = "../pyproject.toml"\n')
    write(tmp_path / "svc" / "app.py", GAP)
    assert run(["check", "--no-cache", "svc"], tmp_path).exit_code == 0  # the root's ignore applies in svc


def test_extend_cycle_or_missing_file_is_an_error_naming_the_file(tmp_path):
    write(tmp_path / "pyproject.toml", '[tool.propagation-lint]\nextend = "svc/pyproject.toml"\n')
    write(tmp_path / "svc" / "pyproject.toml", '[tool.propagation-lint]\nextend = "../pyproject.toml"\n')
    write(tmp_path / "svc" / "app.py", GAP)
    cycle = run(["check", "--no-cache", "svc"], tmp_path)
    assert cycle.exit_code == 2
    assert cycle.stderr == ("error: svc/pyproject.toml: [tool.propagation-lint] extend: the configuration files "
                            "extend each other in a cycle: pyproject.toml -> svc/pyproject.toml -> pyproject.toml\n")
    write(tmp_path / "svc" / "pyproject.toml", '[tool.propagation-lint]\nextend = "../base.toml"\n')
    missing = run(["check", "--no-cache", "svc"], tmp_path)
    assert missing.exit_code == 2
    assert missing.stderr == ("error: svc/pyproject.toml: [tool.propagation-lint] extend: no such file: "
                              "../base.toml (base.toml)\n")


def test_standalone_file_with_tool_table_gets_a_clear_message(tmp_path):
    write(tmp_path / "propagation-lint.toml", '[tool.propagation-lint]\nselect = ["CTX1"]\n')
    write(tmp_path / "app.py", GAP)
    result = run(["check", "--no-cache"], tmp_path)
    assert result.exit_code == 2
    assert result.stderr.startswith("error: propagation-lint.toml: [tool.propagation-lint]: in propagation-lint.toml "
                                    "the keys go at top level, without the [tool.propagation-lint] header")


ROOT = Path(__file__).resolve().parent


def test_added_import_goes_where_isort_puts_it(tmp_path):
    """A stdlib import into a file with only third-party ones: its own section, first; a third-party
    one: in order inside its section (straight imports first, then from-imports by module)."""
    write(tmp_path / "spawn.py", (
        "import gevent\nfrom opentelemetry import trace\n\ntracer = trace.get_tracer(__name__)\n\n\n"
        "def work(x):\n    return x\n\n\ndef handle(x):\n    with tracer.start_as_current_span(\"h\"):\n"
        "        gevent.spawn(work, x)\n"))
    write(tmp_path / "pub.py", (
        "import json\n\nfrom kafka import KafkaProducer\nfrom opentelemetry import trace\n"
        "from zeta import z  # a later third-party module\n\nproducer = KafkaProducer()\n\n\n"
        "def send(order):\n    producer.send(\"orders\", value=json.dumps(order))\n"))
    # imports after a module-level call are another block (isort sorts them apart): the fix's import
    # goes into the first block, above the call, where module-level code can use it
    write(tmp_path / "boot.py", (
        "import gevent\nfrom opentelemetry import trace\n\ntracer = trace.get_tracer(__name__)\n"
        "import json  # after code\n\n\ndef boot():\n    with tracer.start_as_current_span(\"boot\"):\n"
        "        gevent.spawn(print, json.dumps(1))\n"))
    result = run(["check", "--no-cache", "--fix", "--unsafe-fixes", "--select", "CTX101,CTX202"], tmp_path)
    assert result.exit_code == 0, result.output
    assert (tmp_path / "spawn.py").read_text().startswith(
        "import contextvars\n\nimport gevent\nfrom opentelemetry import trace\n\n")
    assert (tmp_path / "pub.py").read_text().startswith(
        "import json\n\nfrom kafka import KafkaProducer\nfrom opentelemetry import trace\n"
        "from opentelemetry.propagate import inject\nfrom zeta import z  # a later third-party module\n")
    assert (tmp_path / "boot.py").read_text().startswith(
        "import contextvars\n\nimport gevent\nfrom opentelemetry import trace\n\ntracer = trace.get_tracer(__name__)\n"
        "import json  # after code\n")


def test_no_fix_writes_a_line_longer_than_the_files_longest(tmp_path):
    short = ("from kafka import KafkaProducer\nfrom opentelemetry import trace\n\nproducer = KafkaProducer()\n\n\n"
             "def send(order):\n    producer.send(\"orders\", value=order)\n")
    write(tmp_path / "short.py", short)
    assert run(["check", "--no-cache", "--fix"], tmp_path).exit_code == 0  # the safe fix
    fixed = (tmp_path / "short.py").read_text()
    assert max(len(line) for line in fixed.splitlines()) <= 79  # the file's longest is shorter: 79
    assert "    producer.send(\"orders\", value=order,\n        headers=[(k, v.encode()) for k, v in carrier.items()])\n" in fixed
    # every fixture the fix tests check exactly: no line of the result is longer than the input's longest
    pairs = list((ROOT / "rule_fixtures" / "fixes").rglob("*.py.fixed")) + list(
        (ROOT / "rule_fixtures" / "threads" / "fix").glob("*.py.fixed"))
    assert len(pairs) >= 12
    for fixed_path in pairs:
        source = fixed_path.with_name(fixed_path.name[: -len(".fixed")]).read_text(encoding="utf-8")
        limit = max([79] + [len(line) for line in source.splitlines()])
        assert max(len(line) for line in fixed_path.read_text(encoding="utf-8").splitlines()) <= limit, fixed_path


def test_add_noqa_names_the_codes_merged_into_a_finding(tmp_path):
    """A CTX103 on the same call as a CTX101 is carried by it ("also CTX103"): the noqa names both,
    or the CTX103 would surface on its own and a second --add-noqa would add it."""
    write(tmp_path / "tasks.py", (
        "from celery import Celery, group\nfrom opentelemetry import trace\n\napp = Celery(\"shop\")\n"
        "tracer = trace.get_tracer(__name__)\n\n\n@app.task\ndef child(x):\n    return x\n\n\n@app.task\n"
        "def reporter(xs):\n    with tracer.start_as_current_span(\"report\"):  # noqa: CTX301\n"
        "        group([child.s(x) for x in xs]).apply_async(expires=10)\n"))
    before = run(["check", "--no-cache", "--output-format", "json"], tmp_path)
    (merged,) = json.loads(before.stdout)
    assert merged["code"] == "CTX101" and any(r["message"].startswith("also CTX103") for r in merged["related"])
    assert run(["check", "--no-cache", "--add-noqa"], tmp_path).stderr == "Added 1 noqa directive.\n"
    assert "apply_async(expires=10)  # noqa: CTX101, CTX103\n" in (tmp_path / "tasks.py").read_text()
    assert run(["check", "--no-cache"], tmp_path).exit_code == 0


def test_unused_noqa_fix_keeps_the_codes_a_promoted_file_uses(tmp_path):
    """views.py names no messaging API: it is linted only because it imports a task (promotion).
    The fix loop lints it again the same way, so the CTX101 its noqa suppresses stays used."""
    write(tmp_path / "shop" / "__init__.py", "")
    write(tmp_path / "shop" / "tasks.py", (
        "from celery import Celery\nfrom opentelemetry import trace\n\napp = Celery(\"shop\")\n"
        "tracer = trace.get_tracer(__name__)\n\n\n@app.task\ndef ship(order_id):\n"
        "    with tracer.start_as_current_span(\"ship\"):  # noqa: CTX301\n        return order_id\n"))
    write(tmp_path / "shop" / "views.py", (
        "from shop.tasks import ship\n\n\ndef place(order_id):\n    ship.delay(order_id)  # noqa: CTX101, CTX201\n"))
    result = run(["check", "--no-cache", "--extend-select", "CTX006", "--fix"], tmp_path)
    assert result.exit_code == 0, result.output
    assert (tmp_path / "shop" / "views.py").read_text().endswith("    ship.delay(order_id)  # noqa: CTX101\n")

