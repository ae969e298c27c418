"""What CTX2xx findings say: suggestions, evidence, confidence and which ones carry a fix."""
from __future__ import annotations

from pathlib import Path

from markers import lint_json

SINGLE = Path(__file__).parent / "rule_fixtures" / "threads" / "single"


def _by_line(name: str, code: str):
    findings = lint_json(SINGLE / name, [code], cwd=SINGLE)
    text = (SINGLE / name).read_text(encoding="utf-8").splitlines()
    return {text[f["line"] - 1].strip(): f for f in findings}


def test_run_in_executor_suggests_to_thread_for_the_default_executor():
    found = _by_line("run_in_executor.py", "CTX203")
    default = found["return await loop.run_in_executor(None, resize, image)  # error: CTX203"]
    assert "asyncio.to_thread(resize, *args)" in default["suggestion"]
    explicit = found["return await asyncio.get_event_loop().run_in_executor(IO_POOL, resize, image)  # error: CTX203"]
    assert "to_thread" not in explicit["suggestion"]
    assert "contextvars.copy_context().run, resize" in explicit["suggestion"]
    assert all(f["fix"] is not None and f["fix"]["applicability"] == "unsafe" for f in found.values())


def test_map_explains_the_per_item_copy_and_has_no_fix():
    found = _by_line("executors.py", "CTX201")
    m = found["POOL.map(charge, order.ids)  # error: CTX201"]
    assert m["fix"] is None
    assert "POOL.submit(contextvars.copy_context().run, charge, item) for item in items" in m["suggestion"]


def test_receiver_known_only_by_its_name_is_heuristic_and_not_fixed():
    found = _by_line("executors.py", "CTX201")
    guessed = found["executor.submit(charge, order)  # error: CTX201"]
    assert guessed["resolution"] == "heuristic" and guessed["fix"] is None
    resolved = found["POOL.submit(charge, order.id, amount=order.total)  # error: CTX201"]
    assert resolved["resolution"] == "resolved" and resolved["fix"]["applicability"] == "unsafe"


def test_context_passed_but_never_attached_points_at_both_places():
    found = _by_line("threads_timers.py", "CTX202")
    f = found["Thread(target=forgets_to_attach, args=(parent, order.id)).start()  # error: CTX202"]
    assert "`forgets_to_attach` receives the context as an argument but never attaches it" in f["message"]
    assert "opentelemetry.context.attach(ctx)" in f["suggestion"]
    related = sorted((r["line"], r["message"]) for r in f["related"] if not r["message"].startswith("a trace context"))
    assert related[0][1] == "`forgets_to_attach` never attaches it"
    assert related[1][1] == "the context is passed to `forgets_to_attach` here"


def test_thread_subclass_is_reported_on_run_without_a_fix():
    found = _by_line("threads_timers.py", "CTX202")
    run = found["def run(self):  # error: CTX202"]
    assert "ThreadingInstrumentor does not cover subclasses" in run["message"]
    assert run["fix"] is None and "self._context = contextvars.copy_context()" in run["suggestion"]


def test_shared_copy_names_the_earlier_hand_off():
    found = _by_line("shared_copy.py", "CTX205")
    second = found["t2 = threading.Thread(target=ctx.run, args=(process, b))  # error: CTX205"]
    assert "cannot enter context" in second["message"]
    assert sorted(r["message"] for r in second["related"]) == [
        "a trace context may exist here: nothing in the project calls `two_threads`; it may run with a context",
        "an earlier hand-off enters the same context here"]
    loop = found["executor.submit(ctx.run, process, item)  # error: CTX205"]
    assert "outside the loop" in loop["message"]
