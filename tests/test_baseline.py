"""--write-baseline / --baseline: record today's findings, report only new ones; matching rests on
meaning (fingerprints), so moving code does not bring recorded findings back."""
from __future__ import annotations

import json
import os
import textwrap
from pathlib import Path

from click.testing import CliRunner

from propagation_lint.cli import main

SOURCE = textwrap.dedent(
    """\
    from kafka import KafkaProducer
    from opentelemetry import trace  # the service traces: a context can exist, and be lost
    producer = KafkaProducer(bootstrap_servers="kafka:9092")


    def order_placed(order):
        producer.send("orders", value=order)


    def order_paid(order):
        producer.send("payments", value=order)
    """
)


def run(cwd: Path, *args: str):
    old = os.getcwd()
    os.chdir(cwd)
    try:
        result = CliRunner().invoke(main, ["check", "--no-cache", "--output-format", "json", *args],
                                                    catch_exceptions=False)
    finally:
        os.chdir(old)
    return result


def found(result) -> list:
    return [(f["path"], f["line"], f["code"]) for f in json.loads(result.stdout)]


def test_baseline_hides_recorded_findings_even_after_code_moves(tmp_path):
    src = tmp_path / "shop.py"
    src.write_text(SOURCE)
    first = run(tmp_path, "--write-baseline", "baseline.json")
    assert first.exit_code == 0 and first.stdout == ""  # recorded, not reported
    assert first.stderr == "wrote 2 findings to baseline.json\n"
    assert found(run(tmp_path)) == [("shop.py", 7, "CTX101"), ("shop.py", 11, "CTX101")]
    data = json.loads((tmp_path / "baseline.json").read_text())
    assert [(r["code"], r["path"], r["line"]) for r in data["findings"]] == [("CTX101", "shop.py", 7), ("CTX101", "shop.py", 11)]
    assert all(r["fingerprint"] and r["message"] for r in data["findings"])

    assert found(run(tmp_path, "--baseline", "baseline.json")) == []
    assert run(tmp_path, "--baseline", "baseline.json").exit_code == 0

    # code moves: lines added above, functions swapped; nothing new is reported
    moved = '"""Shop events."""\nimport logging\n\nlog = logging.getLogger(__name__)\n' + SOURCE.replace(
        "def order_placed", "def _tmp").replace("def order_paid", "def order_placed").replace("def _tmp", "def order_paid")
    moved = moved.replace('"orders"', '"X"').replace('"payments"', '"orders"').replace('"X"', '"payments"')
    src.write_text(moved)
    assert found(run(tmp_path)) != [("shop.py", 7, "CTX101"), ("shop.py", 11, "CTX101")]  # the lines really moved
    assert found(run(tmp_path, "--baseline", "baseline.json")) == []

    # a new gap is reported, with exit code 1; so is a second identical send in a recorded function
    src.write_text(moved + '\n\ndef order_shipped(order):\n    producer.send("shipping", value=order)\n')
    new = run(tmp_path, "--baseline", "baseline.json")
    assert [c for _, _, c in found(new)] == ["CTX101"]
    assert new.exit_code == 1
    src.write_text(moved.replace('    producer.send("orders", value=order)\n',
                                 '    producer.send("orders", value=order)\n    producer.send("orders", value=order)\n'))
    assert len(found(run(tmp_path, "--baseline", "baseline.json"))) == 1


def test_sarif_carries_the_same_fingerprints(tmp_path):
    (tmp_path / "shop.py").write_text(SOURCE)
    run(tmp_path, "--write-baseline", "baseline.json")
    sarif = json.loads(run(tmp_path, "--output-format", "sarif").stdout)
    in_sarif = sorted(v for r in sarif["runs"][0]["results"] for v in r["partialFingerprints"].values())
    recorded = sorted(r["fingerprint"] for r in json.loads((tmp_path / "baseline.json").read_text())["findings"])
    assert in_sarif == recorded


def test_missing_or_foreign_baseline_is_a_usage_error(tmp_path):
    (tmp_path / "shop.py").write_text(SOURCE)
    missing = run(tmp_path, "--baseline", "nope.json")
    assert missing.exit_code == 2
    assert "nope.json" in missing.stderr
    (tmp_path / "other.json").write_text('{"results": []}')
    foreign = run(tmp_path, "--baseline", "other.json")
    assert foreign.exit_code == 2
    assert "not a propagation-lint baseline" in foreign.stderr


def test_baseline_is_a_normal_file(tmp_path):
    """Readable by the team like any file of the repository (0644 under umask 022), not the
    temporary file's 0600; rewriting it keeps the mode the user gave it."""
    (tmp_path / "shop.py").write_text(SOURCE)
    old = os.umask(0o022)
    try:
        assert run(tmp_path, "--write-baseline", "baseline.json").exit_code == 0
        assert (tmp_path / "baseline.json").stat().st_mode & 0o777 == 0o644
        os.chmod(tmp_path / "baseline.json", 0o664)
        (tmp_path / "shop.py").write_text(SOURCE.split("\n\n\ndef order_paid")[0] + "\n")
        again = run(tmp_path, "--write-baseline", "baseline.json")
        assert again.stderr == "wrote 1 finding to baseline.json\n"
        assert (tmp_path / "baseline.json").stat().st_mode & 0o777 == 0o664
    finally:
        os.umask(old)
