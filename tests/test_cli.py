"""The command line as a user meets it: exit codes, output formats, suppressions, config errors."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from propagation_lint.cli import main

GAP = textwrap.dedent(
    """\
    from kafka import KafkaProducer
    from opentelemetry import trace  # the service traces: a context can exist, and be lost
    producer = KafkaProducer(bootstrap_servers="kafka:9092")


    def order_placed(order):
        producer.send("orders", value=order)
    """
)

CLEAN = textwrap.dedent(
    """\
    from kafka import KafkaProducer
    from opentelemetry.propagate import inject

    producer = KafkaProducer(bootstrap_servers="kafka:9092")


    def order_placed(order):
        carrier = {}
        inject(carrier)
        producer.send("orders", value=order, headers=[(k, v.encode()) for k, v in carrier.items()])
    """
)


def run(args, cwd: Path, input: str | None = None):
    runner = CliRunner()
    old = os.getcwd()
    os.chdir(cwd)
    try:
        result = runner.invoke(main, args, input=input, catch_exceptions=False)
    finally:
        os.chdir(old)
    return result


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode(encoding))
    return path


def test_folder_with_gap_syntax_error_and_latin1(tmp_path):
    write(tmp_path / "svc" / "publisher.py", GAP)
    write(tmp_path / "svc" / "broken.py", "import pika\n\n\ndef handler(:\n    pass\n")
    # names no API a rule looks at: read, not parsed, so its syntax error is not ours to report
    write(tmp_path / "svc" / "notes.py", "def (:\n")
    write(tmp_path / "svc" / "legacy.py", "# -*- coding: latin-1 -*-\nNAME = 'caf\xe9'\n", encoding="latin-1")
    result = run(["check", "--no-cache", "svc"], tmp_path)
    assert result.exit_code == 1, result.output
    lines = result.output.splitlines()
    assert any(l.startswith("svc/publisher.py:7:5: CTX101 ") for l in lines), result.output
    assert any(l.startswith("svc/broken.py:4:") and " CTX001 " in l for l in lines), result.output
    assert "notes.py" not in result.output
    assert "legacy.py" not in result.output
    assert "Traceback" not in result.output
    assert lines[-2].startswith("Found 2 findings in 2 files")
    assert lines[-1] == "[*] 1 fixable with --fix."  # CTX101: no carrier passed, opentelemetry already imported


def test_clean_project_exits_zero(tmp_path):
    write(tmp_path / "app.py", CLEAN)
    result = run(["check", "--no-cache", "."], tmp_path)
    assert result.exit_code == 0, result.output
    assert "All checks passed!" in result.output


def test_exit_zero_and_quiet(tmp_path):
    write(tmp_path / "app.py", GAP)
    result = run(["check", "--no-cache", "--exit-zero", "-q", "."], tmp_path)
    assert result.exit_code == 0
    assert result.output.startswith("app.py:7:5: CTX101")
    assert "Found" not in result.output


def test_json_output_fields(tmp_path):
    write(tmp_path / "app.py", GAP)
    result = run(["check", "--no-cache", "--output-format", "json", "."], tmp_path)
    assert result.exit_code == 1
    data = json.loads(result.output)
    assert len(data) == 1
    f = data[0]
    for key in ("code", "name", "message", "path", "line", "column", "end_line", "end_column",
                "severity", "suggestion", "fix", "related"):
        assert key in f
    assert (f["code"], f["name"], f["path"], f["line"], f["column"]) == ("CTX101", "publish-without-context", "app.py", 7, 5)
    assert "inject" in f["suggestion"]


def test_sarif_output_validates(tmp_path):
    jsonschema = pytest.importorskip("jsonschema")
    schema_path = Path(__file__).resolve().parents[2] / "shared" / "schemas" / "sarif-schema-2.1.0.json"
    if not schema_path.exists():
        pytest.skip("SARIF schema not available beside the repository")
    write(tmp_path / "pkg" / "app.py", GAP)
    result = run(["check", "--no-cache", "--output-format", "sarif", "."], tmp_path)
    assert result.exit_code == 1
    doc = json.loads(result.output)
    schema = json.loads(schema_path.read_text())
    jsonschema.validators.validator_for(schema)(schema).validate(doc)
    res = doc["runs"][0]["results"][0]
    assert res["ruleId"] == "CTX101"
    loc = res["locations"][0]["physicalLocation"]["artifactLocation"]
    assert loc == {"uri": "pkg/app.py", "uriBaseId": "%SRCROOT%"}
    assert res["partialFingerprints"]


def test_github_output(tmp_path):
    write(tmp_path / "app.py", GAP)
    result = run(["check", "--no-cache", "--output-format", "github", "."], tmp_path)
    assert result.exit_code == 1
    assert result.output.startswith("::error file=app.py,line=7,col=5,")
    assert "::CTX101 " in result.output


def test_statistics(tmp_path):
    write(tmp_path / "a.py", GAP)
    write(tmp_path / "b.py", GAP)
    result = run(["check", "--no-cache", "--statistics", "."], tmp_path)
    assert result.exit_code == 1
    assert "2\tCTX101" in result.output


@pytest.mark.parametrize(
    "line, suppressed",
    [
        ('    producer.send("orders", value=order)  # noqa', True),
        ('    producer.send("orders", value=order)  # noqa: CTX101', True),
        ('    producer.send("orders", value=order)  # noqa: CTX1', True),
        ('    producer.send("orders", value=order)  # noqa: E501', False),
        ('    producer.send("orders", value=order)  # this is not noqa', False),
        ('    producer.send("orders", value="# noqa")', False),
    ],
)
def test_line_suppressions(tmp_path, line, suppressed):
    text = GAP.replace('    producer.send("orders", value=order)', line)
    write(tmp_path / "app.py", text)
    result = run(["check", "--no-cache", "-q", "."], tmp_path)
    assert (result.exit_code == 0) == suppressed, result.output


def test_noqa_on_first_line_of_multiline_statement(tmp_path):
    text = GAP.replace(
        '    producer.send("orders", value=order)',
        '    producer.send(  # noqa: CTX101\n        "orders",\n        value=order,\n    )',
    )
    write(tmp_path / "app.py", text)
    assert run(["check", "--no-cache", "."], tmp_path).exit_code == 0


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_line_suppression_found_whatever_the_newlines_and_other_noqa_comments(tmp_path, newline):
    text = "import os  # noqa: F401\n" + GAP.replace(
        '    producer.send("orders", value=order)', '    producer.send("orders", value=order)  # noqa: CTX101')
    write(tmp_path / "app.py", text.replace("\n", newline))
    assert run(["check", "--no-cache", "-q", "."], tmp_path).exit_code == 0
    # a noqa on another line only: the finding stays
    write(tmp_path / "app.py", ("import os  # noqa\n" + GAP).replace("\n", newline))
    assert run(["check", "--no-cache", "-q", "."], tmp_path).exit_code == 1


def test_file_level_suppression(tmp_path):
    write(tmp_path / "a.py", "# propagation-lint: noqa\n" + GAP)
    write(tmp_path / "b.py", "# propagation-lint: noqa: CTX2\n" + GAP)
    result = run(["check", "--no-cache", "-q", "."], tmp_path)
    assert "a.py" not in result.output
    assert "b.py:8:5: CTX101" in result.output


def test_select_and_ignore(tmp_path):
    write(tmp_path / "app.py", GAP)
    assert run(["check", "--no-cache", "--ignore", "CTX1", "."], tmp_path).exit_code == 0
    assert run(["check", "--no-cache", "--select", "CTX101", "."], tmp_path).exit_code == 1
    assert run(["check", "--no-cache", "--select", "CTX001", "."], tmp_path).exit_code == 0


def test_unknown_selector_on_command_line_is_exit_2(tmp_path):
    write(tmp_path / "app.py", GAP)
    result = run(["check", "--select", "CTX999", "."], tmp_path)
    assert result.exit_code == 2
    assert "CTX999" in result.output


def test_config_error_is_exit_2_naming_key_and_file(tmp_path):
    write(tmp_path / "app.py", GAP)
    write(tmp_path / "pyproject.toml", '[tool.propagation-lint]\nselekt = ["CTX1"]\n')
    result = run(["check", "."], tmp_path)
    assert result.exit_code == 2
    assert "pyproject.toml" in result.output and "selekt" in result.output
    assert "Traceback" not in result.output


def test_config_ignore_and_per_file_ignores(tmp_path):
    write(tmp_path / "app.py", GAP)
    write(tmp_path / "tests" / "test_app.py", GAP)
    write(tmp_path / "pyproject.toml", '[tool.propagation-lint]\nper-file-ignores = { "tests/**" = ["CTX101"] }\n')
    result = run(["check", "--no-cache", "-q", "."], tmp_path)
    assert "app.py:7:5" in result.output
    assert "tests/" not in result.output


def test_missing_path_is_exit_2(tmp_path):
    result = run(["check", "nope"], tmp_path)
    assert result.exit_code == 2
    assert "nope" in result.output


def test_stdin_filename(tmp_path):
    result = run(["check", "--stdin-filename", "svc/app.py", "-q"], tmp_path, input=GAP)
    assert result.exit_code == 1
    assert result.output.startswith("svc/app.py:7:5: CTX101")


def test_gitignore_and_default_excludes(tmp_path):
    write(tmp_path / ".gitignore", "generated/\n")
    write(tmp_path / "generated" / "app.py", GAP)
    write(tmp_path / ".venv" / "lib" / "app.py", GAP)
    write(tmp_path / "src" / "ok.py", CLEAN)
    assert run(["check", "--no-cache", "."], tmp_path).exit_code == 0
    # named explicitly: linted unless --force-exclude
    assert run(["check", "--no-cache", "generated/app.py"], tmp_path).exit_code == 1
    assert run(["check", "--no-cache", "--force-exclude", "generated/app.py"], tmp_path).exit_code == 0


def test_rule_command_prints_documentation():
    result = CliRunner().invoke(main, ["rule", "CTX101"])
    assert result.exit_code == 0
    for section in ("## What it does", "## Why is this bad?", "## Example", "## Use instead", "## Fix safety", "## Options"):
        assert section in result.output
    assert CliRunner().invoke(main, ["rule", "publish-without-context"]).output == result.output
    bad = CliRunner().invoke(main, ["rule", "CTX999"])
    assert bad.exit_code == 2


def test_rules_command_lists_every_rule():
    from propagation_lint.registry import all_rules

    result = CliRunner().invoke(main, ["rules"])
    assert result.exit_code == 0
    for rule in all_rules():
        assert rule.code in result.output and rule.name in result.output


def test_every_rule_is_documented():
    from propagation_lint.registry import all_rules

    for rule in all_rules():
        assert rule.code.startswith("CTX") and len(rule.code) == 6, rule
        assert rule.name == rule.name.lower() and " " not in rule.name, rule
        assert rule.message and "\n" not in rule.message, rule
        for attr in ("what_it_does", "why_bad", "example", "use_instead", "fix_safety"):
            assert getattr(rule, attr).strip(), f"{rule.code} lacks {attr}"


def test_python_dash_m(tmp_path):
    write(tmp_path / "app.py", GAP)
    proc = subprocess.run([sys.executable, "-m", "propagation_lint", "check", "--no-cache", "."],
                          cwd=tmp_path, capture_output=True, text=True)
    assert proc.returncode == 1
    assert "CTX101" in proc.stdout


def test_bundled_example_shows_findings():
    root = Path(__file__).resolve().parents[1]
    result = run(["check", "--no-cache", "fixtures/shop"], root)
    assert result.exit_code == 1
    assert "fixtures/shop/shop/orders.py:26:9: CTX101" in result.output
    # the publish through the helper in shop/tracing.py carries the context: not reported
    assert "orders.py:20:" not in result.output


def _instrumented_service(root):
    """``svc/publisher.py`` publishes without a carrier; the instrumentor in ``svc/main.py`` covers
    it, because main.py's process runs the publisher."""
    write(root / "svc" / "__init__.py", "")
    write(root / "svc" / "main.py",
          "from opentelemetry.instrumentation.kafka import KafkaInstrumentor\n\nfrom svc import publisher\n\n"
          "KafkaInstrumentor().instrument()\n")
    write(root / "svc" / "publisher.py", GAP)


def test_named_files_still_see_project_facts(tmp_path):
    """pre-commit passes only changed files; facts from the rest of the project still count."""
    write(tmp_path / "pyproject.toml", "[tool.propagation-lint]\n")
    _instrumented_service(tmp_path)
    whole = run(["check", "--no-cache", "."], tmp_path)
    named = run(["check", "--no-cache", "svc/publisher.py"], tmp_path)
    assert whole.exit_code == 0, whole.output
    assert named.exit_code == 0, named.output
    assert "(1 file checked)" in named.output
    # the instrumentor goes away: both report the gap
    write(tmp_path / "svc" / "main.py", "# KafkaInstrumentor().instrument()\n")
    assert run(["check", "--no-cache", "svc/publisher.py"], tmp_path).exit_code == 1


@pytest.mark.parametrize("top", ["pyproject.toml", ".git"])
def test_named_files_see_project_facts_without_a_configuration(tmp_path, top):
    """Run from the top of a project (a git work tree, or a pyproject.toml without our table), a
    named file gets the findings the whole run gives it; from a directory that is no project's top,
    a named file is checked alone."""
    if top == ".git":
        (tmp_path / ".git").mkdir()
    else:
        write(tmp_path / "pyproject.toml", "[project]\nname = \"svc\"\n")
    _instrumented_service(tmp_path)
    assert run(["check", "--no-cache", "."], tmp_path).exit_code == 0
    named = run(["check", "--no-cache", "svc/publisher.py"], tmp_path)
    assert named.exit_code == 0, named.output
    assert "(1 file checked)" in named.output
    alone = run(["check", "--no-cache", "publisher.py"], tmp_path / "svc")
    assert alone.exit_code == 1, alone.output


def test_launch_file_covers_only_the_files_below_it(tmp_path):
    write(tmp_path / "services" / "billing" / "Dockerfile", 'CMD ["opentelemetry-instrument", "python", "-m", "billing"]\n')
    write(tmp_path / "services" / "billing" / "requirements.txt", "opentelemetry-instrumentation-kafka-python\n")
    write(tmp_path / "services" / "billing" / "publisher.py", GAP)
    write(tmp_path / "services" / "shipping" / "publisher.py", GAP)
    result = run(["check", "--no-cache", "-q", "."], tmp_path)
    assert "services/shipping/publisher.py:7:5: CTX101" in result.output
    assert "billing" not in result.output
    # a file named alone (or read from stdin) sees the launch files above it, not its neighbours'
    alone = run(["check", "--no-cache", "-q", "services/shipping/publisher.py"], tmp_path)
    assert alone.exit_code == 1
    covered = run(["check", "--no-cache", "-q", "services/billing/publisher.py"], tmp_path)
    assert covered.exit_code == 0, covered.output
    stdin = run(["check", "-q", "--stdin-filename", "services/shipping/new.py"], tmp_path, input=GAP)
    assert stdin.exit_code == 1
