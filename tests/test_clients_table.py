"""The README's "Supported clients" table and `propagation-lint rules` say what the catalog says."""
from pathlib import Path

from click.testing import CliRunner

from propagation_lint.catalog import consumers, publishers, threads
from propagation_lint.catalog.clients import client_rows, markdown_table
from propagation_lint.cli import main

README = Path(__file__).resolve().parents[1] / "README.md"


def _readme_table() -> str:
    text = README.read_text(encoding="utf-8")
    start, end = "<!-- clients:start -->\n", "<!-- clients:end -->"
    assert start in text and end in text, "README has no generated clients table"
    return text[text.index(start) + len(start):text.index(end)]


def test_readme_table_is_the_catalog_table():
    assert _readme_table() == markdown_table(), (
        "README's clients table is stale: regenerate it with\n"
        "python -c 'from propagation_lint.catalog.clients import markdown_table; print(markdown_table(), end=\"\")'")


def test_every_catalog_library_is_a_row():
    libraries = {r.library for r in publishers.PUBLISHERS}
    libraries |= {s.library for s in consumers.SHAPES} | {t.library for t in consumers.TASK_ENTRIES}
    libraries |= {c.library for c in consumers.CALLBACKS} | {"dask.distributed"}
    rows = {r[0] for r in client_rows()}
    assert libraries <= rows, sorted(libraries - rows)
    assert any(h.receiver == threads.DASK_CLIENT for h in threads.HANDOFFS)


def test_rules_command_lists_every_client():
    output = CliRunner().invoke(main, ["rules"]).output
    listed = {line.split()[0] for line in output.split("supported clients", 1)[1].splitlines()[1:] if line.strip()}
    assert listed == {r[0] for r in client_rows()}
    for name in ("faust", "faststream", "taskiq", "huey", "dask.distributed", "aws-lambda", "google-cloud-pubsub"):
        assert name in listed


def test_rows_say_where_the_carrier_lives_and_what_propagates():
    rows = {r[0]: r for r in client_rows()}
    assert "`KafkaProducer.send`: `headers` (#3)" in rows["kafka-python"][1]
    assert "`msg.headers()`" in rows["confluent-kafka"][2]
    assert "`KafkaInstrumentor` (send)" in rows["kafka-python"][3]  # not the consumer side: it ends too early
    assert "only the client built with it" in rows["google-cloud-pubsub"][3]
    assert "settings.tracing_implementation" in rows["azure-servicebus"][3]
    assert rows["faust"][3] == "none" and "`stream.current_event.headers`" in rows["faust"][2]
