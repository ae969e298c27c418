from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # running the tests from a checkout that is not installed
    sys.path.insert(0, str(REPO))

from propagation_lint.findings import Edit, Finding, Fix, Location, Related
from propagation_lint.output import FORMATS, Summary, render
from propagation_lint.output import github as github_output
from propagation_lint.output.json import finding_from_dict, finding_to_dict
from propagation_lint.output.sarif import to_sarif
from propagation_lint.rule import Rule

SARIF_SCHEMA = Path(__file__).resolve().parents[2] / "shared" / "schemas" / "sarif-schema-2.1.0.json"


class PublishWithoutInject(Rule):
    code = "CTX101"
    name = "publish-without-inject"
    message = "Message published without injecting the trace context"
    severity = "error"
    fixable = "sometimes"
    what_it_does = "Checks for messages published without `inject(headers)`."
    why_bad = "The consumer starts a new trace."
    example = "```python\nproducer.send(topic, value)\n```"
    use_instead = "```python\ninject(headers)\nproducer.send(topic, value, headers=headers)\n```"
    fix_safety = "Safe when the headers dict is local."


class SubmitWithoutContext(Rule):
    code = "CTX201"
    name = "submit-without-context"
    message = "Work submitted to an executor loses the active context"
    severity = "warning"
    default_enabled = False
    what_it_does = "Checks `executor.submit` calls."
    why_bad = "The span ends up detached."
    example = "`pool.submit(f)`"
    use_instead = "`pool.submit(contextvars.copy_context().run, f)`"
    fix_safety = "No fix."


RULES = (PublishWithoutInject, SubmitWithoutContext)

WITH_EVIDENCE = Finding(
    code="CTX101",
    name="publish-without-inject",
    message="Message published without injecting the trace context",
    location=Location("app/pub.py", 12, 5, 12, 30),
    suggestion="Call `inject(headers)` before `send`:\n    inject(headers)",
    related=(
        Related(Location("app/pub.py", 9, 5, 9, 40), "span `publish` started here"),
        Related(Location("app/pub.py", 10, 5, 10, 22), "carrier `headers` built here"),
    ),
    fix=Fix(
        "safe",
        "Add `inject(headers)`",
        (
            Edit(1, 1, 1, 1, "from opentelemetry.propagate import inject\n"),
            Edit(12, 5, 12, 5, "inject(headers)\n    "),
        ),
    ),
    fingerprint="ctx101:app.pub.publish:producer.send:0",
)

PLAIN = Finding(
    code="CTX201",
    name="submit-without-context",
    message="Work submitted to an executor loses the active context",
    location=Location("pkg/my module%.py", 3, 1, 3, 20),
    severity="warning",
    fingerprint="ctx201:pkg.my_module.run:pool.submit:0",
    confidence="heuristic",
)

UNSAFE = Finding(
    code="CTX101",
    name="publish-without-inject",
    message="Message published without injecting the trace context",
    location=Location("pkg/z.py", 7, 9, 7, 15),
    fix=Fix("unsafe", "Pass `headers=`", (Edit(7, 14, 7, 14, ", headers=headers"),)),
)


def _render(fmt, findings, **summary):
    summary.setdefault("files_checked", 5)
    summary.setdefault("files_skipped", 0)
    out = io.StringIO()
    render(fmt, findings, rules=RULES, summary=Summary(**summary), stream=out)
    return out.getvalue()


def test_formats_and_unknown_format():
    assert FORMATS == ("full", "concise", "text", "json", "json-lines", "junit", "gitlab", "pylint", "rdjson", "azure",
                       "sarif", "github")
    with pytest.raises(ValueError):
        _render("xml", [])


# ---------------------------------------------------------------- text


def test_text_findings_and_summary():
    out = _render("text", [WITH_EVIDENCE, PLAIN, UNSAFE], fixable_safe=1, fixable_unsafe=1)
    assert out.splitlines() == [
        "app/pub.py:12:5: CTX101 [*] Message published without injecting the trace context",
        "  help: Call `inject(headers)` before `send`:",
        "            inject(headers)",
        "  --> app/pub.py:9:5: span `publish` started here",
        "  --> app/pub.py:10:5: carrier `headers` built here",
        "pkg/my module%.py:3:1: CTX201 Work submitted to an executor loses the active context",
        "pkg/z.py:7:9: CTX101 Message published without injecting the trace context",
        "  fix (unsafe): Pass `headers=`",
        "Found 3 findings in 3 files (5 files checked).",
        "[*] 1 fixable with --fix (1 more with --fix --unsafe-fixes).",
    ]
    assert "\x1b[" not in out


def test_text_clean_and_quiet_and_singular():
    assert _render("text", [], files_checked=1) == "All checks passed! (1 file checked)\n"
    assert _render("text", [], files_checked=4, files_skipped=2) == "All checks passed! (2 files checked; 2 read, nothing relevant)\n"
    assert _render("text", [], quiet=True) == ""
    quiet = _render("text", [PLAIN], quiet=True, fixable_safe=3).splitlines()
    assert quiet == ["pkg/my module%.py:3:1: CTX201 Work submitted to an executor loses the active context"]
    assert _render("text", [PLAIN]).splitlines()[-1] == "Found 1 finding in 1 file (5 files checked)."
    only_unsafe = _render("text", [UNSAFE], fixable_unsafe=1).splitlines()[-1]
    assert only_unsafe == "No safe fixes available (1 fixable with --fix --unsafe-fixes)."


def test_text_fixed_and_show_fixes():
    out = _render(
        "text",
        [PLAIN],
        fixed=3,
        show_fixes=[("b.py", "CTX201", 1), ("a.py", "CTX201", 1), ("a.py", "CTX101", 1), ("b.py", "CTX101", 0)],
    )
    assert out.splitlines()[1:] == [
        "Fixed 3 findings:",
        "- a.py:",
        "    1 x CTX101 (publish-without-inject)",
        "    1 x CTX201 (submit-without-context)",
        "- b.py:",
        "    1 x CTX201 (submit-without-context)",
        "Fixed 3 findings; 1 remaining in 1 file (5 files checked).",
    ]
    assert _render("text", [], fixed=1) == "Fixed 1 finding. All checks passed! (5 files checked)\n"


def test_text_statistics():
    findings = [UNSAFE, PLAIN, WITH_EVIDENCE, PLAIN, PLAIN]
    out = _render("text", findings, statistics=True, fixable_safe=1, fixable_unsafe=1)
    assert out.splitlines() == [
        "3\tCTX201\t[ ] submit-without-context",
        "2\tCTX101\t[*] publish-without-inject",
        "Found 5 findings in 3 files (5 files checked).",
        "[*] 1 fixable with --fix (1 more with --fix --unsafe-fixes).",
    ]
    assert _render("text", [PLAIN], statistics=True, quiet=True) == "1\tCTX201\tsubmit-without-context\n"


def test_text_color():
    out = _render("text", [WITH_EVIDENCE], color=True)
    assert "\x1b[31m" in out and out.count("\x1b[0m") >= 3
    help_lines = [line for line in out.splitlines() if "inject(headers)" in line and "help" not in line]
    assert help_lines == ["            inject(headers)"]  # continuation aligned despite escape codes


# ---------------------------------------------------------------- json


def test_json_structure():
    data = json.loads(_render("json", [WITH_EVIDENCE, PLAIN]))
    assert isinstance(data, list) and len(data) == 2
    first, second = data
    assert list(first) == [
        "code", "name", "url", "message", "path", "line", "column", "end_line", "end_column",
        "severity", "confidence", "resolution", "suggestion", "fingerprint", "fix", "related",
    ]  # fmt: skip
    assert first["url"] == "https://github.com/propagation-lint/propagation-lint/blob/main/docs/rules/CTX101.md"
    assert first["path"] == "app/pub.py" and (first["line"], first["column"]) == (12, 5)
    assert first["fix"] == {
        "applicability": "safe",
        "title": "Add `inject(headers)`",
        "edits": [
            {"line": 1, "column": 1, "end_line": 1, "end_column": 1,
             "content": "from opentelemetry.propagate import inject\n"},
            {"line": 12, "column": 5, "end_line": 12, "end_column": 5, "content": "inject(headers)\n    "},
        ],
    }  # fmt: skip
    assert first["related"][0] == {
        "path": "app/pub.py", "line": 9, "column": 5, "end_line": 9, "end_column": 40,
        "message": "span `publish` started here",
    }  # fmt: skip
    assert second["fix"] is None and second["related"] == [] and second["suggestion"] == ""
    # matched by shape, not resolved: one step less sure than a resolved finding
    assert second["severity"] == "warning" and second["resolution"] == "heuristic"
    assert first["confidence"] == "high" and second["confidence"] == "medium"
    assert _render("json", []) == "[]\n"


def test_json_round_trip():
    for f in (WITH_EVIDENCE, PLAIN, UNSAFE):
        assert finding_from_dict(json.loads(json.dumps(finding_to_dict(f)))) == f


# ---------------------------------------------------------------- sarif


@pytest.fixture(scope="module")
def sarif_validator():
    if not SARIF_SCHEMA.is_file():
        pytest.skip(f"SARIF schema not found at {SARIF_SCHEMA}")
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)  # the draft the schema declares
    cls.check_schema(schema)
    return cls(schema)


def _assert_valid(validator, log):
    errors = sorted(validator.iter_errors(log), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors)


def test_sarif_validates_and_shape(sarif_validator):
    log = json.loads(_render("sarif", [WITH_EVIDENCE, PLAIN, UNSAFE], tool_version="9.9.9"))
    _assert_valid(sarif_validator, log)
    assert log["version"] == "2.1.0" and log["$schema"].endswith("sarif-schema-2.1.0.json")
    (run,) = log["runs"]
    assert run["columnKind"] == "unicodeCodePoints"
    root = run["originalUriBaseIds"]["%SRCROOT%"]["uri"]
    assert root.startswith("file://") and root.endswith("/")

    driver = run["tool"]["driver"]
    assert (driver["name"], driver["version"]) == ("propagation-lint", "9.9.9")
    assert driver["informationUri"] == "https://github.com/propagation-lint/propagation-lint"
    assert [r["id"] for r in driver["rules"]] == ["CTX101", "CTX201"]
    r101, r201 = driver["rules"]
    assert r101["name"] == "publish-without-inject"
    assert r101["shortDescription"]["text"] == PublishWithoutInject.message
    assert r101["fullDescription"]["text"] == PublishWithoutInject.documentation()
    assert r101["help"] == {"text": PublishWithoutInject.documentation(), "markdown": PublishWithoutInject.documentation()}
    assert r101["defaultConfiguration"]["level"] == "error" and r201["defaultConfiguration"]["level"] == "warning"
    assert r101["properties"]["tags"]

    first, second, third = run["results"]
    assert (first["ruleId"], first["ruleIndex"], first["level"]) == ("CTX101", 0, "error")
    assert (second["ruleId"], second["ruleIndex"], second["level"]) == ("CTX201", 1, "warning")
    # the message and the finding's help apart; the rule's documentation and page with the rule
    assert first["message"]["text"] == WITH_EVIDENCE.message
    assert first["properties"]["help"] == WITH_EVIDENCE.suggestion
    assert r101["helpUri"].endswith("/docs/rules/CTX101.md") and r201["helpUri"].endswith("/docs/rules/CTX201.md")
    assert second["message"]["text"] == PLAIN.message
    assert first["partialFingerprints"] == {"propagationLint/v1": WITH_EVIDENCE.fingerprint}
    assert second["partialFingerprints"] == {"propagationLint/v1": PLAIN.fingerprint}
    assert "partialFingerprints" not in third  # no fingerprint, no key

    phys = first["locations"][0]["physicalLocation"]
    assert phys["artifactLocation"] == {"uri": "app/pub.py", "uriBaseId": "%SRCROOT%"}
    assert phys["region"] == {"startLine": 12, "startColumn": 5, "endLine": 12, "endColumn": 30}
    art = second["locations"][0]["physicalLocation"]["artifactLocation"]
    assert art == {"uri": "pkg/my%20module%25.py", "uriBaseId": "%SRCROOT%"}

    related = first["relatedLocations"]
    assert [r["id"] for r in related] == [1, 2]
    assert [r["message"]["text"] for r in related] == ["span `publish` started here", "carrier `headers` built here"]
    steps = first["codeFlows"][0]["threadFlows"][0]["locations"]
    assert [s["location"]["physicalLocation"]["region"]["startLine"] for s in steps] == [9, 10, 12]
    assert steps[-1]["location"]["message"]["text"] == WITH_EVIDENCE.message
    assert "relatedLocations" not in second and "codeFlows" not in second

    (fix,) = first["fixes"]
    assert fix["description"] == {"text": "Add `inject(headers)`"}
    (change,) = fix["artifactChanges"]
    assert change["artifactLocation"] == {"uri": "app/pub.py", "uriBaseId": "%SRCROOT%"}
    assert change["replacements"][1] == {
        "deletedRegion": {"startLine": 12, "startColumn": 5, "endLine": 12, "endColumn": 5},
        "insertedContent": {"text": "inject(headers)\n    "},
    }
    assert "fixes" not in second
    assert third["fixes"][0]["properties"]["applicability"] == "unsafe"


def test_sarif_empty_run_is_valid(sarif_validator):
    log = json.loads(_render("sarif", []))
    _assert_valid(sarif_validator, log)
    assert log["runs"][0]["results"] == []
    assert len(log["runs"][0]["tool"]["driver"]["rules"]) == 2


def test_sarif_absolute_paths_and_unknown_codes(sarif_validator, tmp_path):
    odd = Finding(
        code="CTX001",
        name="unreadable-file",
        message="File could not be decoded",
        location=Location("/outside/the tree.py", 1, 1, 0, 0),
    )
    log = to_sarif([odd], RULES, tool_version="0", root=tmp_path)
    _assert_valid(sarif_validator, log)
    run = log["runs"][0]
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == tmp_path.resolve().as_uri() + "/"
    (res,) = run["results"]
    assert res["locations"][0]["physicalLocation"]["artifactLocation"] == {"uri": "file:///outside/the%20tree.py"}
    assert res["locations"][0]["physicalLocation"]["region"] == {"startLine": 1, "startColumn": 1}
    assert run["tool"]["driver"]["rules"][res["ruleIndex"]]["id"] == "CTX001"


# ---------------------------------------------------------------- github


def test_github_lines():
    out = _render("github", [WITH_EVIDENCE, PLAIN])
    assert out.splitlines() == [
        (
            "::error file=app/pub.py,line=12,col=5,endLine=12,endColumn=30,"
            "title=CTX101 publish-without-inject::CTX101 Message published without injecting the trace context"
            "%0Ahelp: Call `inject(headers)` before `send`:%0A    inject(headers)"
            "%0A--> app/pub.py:9:5: span `publish` started here"
            "%0A--> app/pub.py:10:5: carrier `headers` built here"
        ),
        (
            "::warning file=pkg/my module%25.py,line=3,col=1,endLine=3,endColumn=20,"
            "title=CTX201 submit-without-context::CTX201 Work submitted to an executor loses the active context"
        ),
    ]


def test_github_escaping():
    f = Finding(
        code="CTX301",
        name="odd",
        message="100% lost: a, b\r\nthen c",
        location=Location("dir,x/a:b.py", 1, 2, 3, 4),
        severity="note",
    )
    assert github_output.format_finding(f) == (
        "::notice file=dir%2Cx/a%3Ab.py,line=1,col=2,endLine=3,endColumn=4,title=CTX301 odd"
        "::CTX301 100%25 lost: a, b\u240d\u240athen c"  # a message is one line: its breaks are shown
    )
    assert github_output.escape_property("a%b\nc:d,e") == "a%25b%0Ac%3Ad%2Ce"
