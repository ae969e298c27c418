"""The whole-program context model (issue 19): a lost context is reported only where one exists.

Fixture projects carry their expected findings inline (``# error: CTX101``); every other line must
stay silent. Smaller projects below are written per test to show one origin or wrapper kind each.
"""
from __future__ import annotations

import json
from pathlib import Path
from textwrap import dedent

import pytest

from markers import assert_fixture, lint_json
from propagation_lint.program.context import is_test_path
from propagation_lint.program.modules import ModuleIndex, Processes
from propagation_lint.program.summary import summarize

ROOT = Path(__file__).resolve().parents[1]


def test_django_celery_project():
    """Web process without Celery instrumentation, worker with it: a view, a class-based view, a
    helper reached from a view, a post_save receiver, a migration, a management command, a
    post_migrate receiver, a beat task, a self-rescheduling task, a helper called only from tasks,
    a test."""
    assert_fixture(ROOT / "fixtures" / "django_celery", ["CTX1", "CTX2", "CTX3"])


def test_monorepo_of_independent_services():
    """One service instrumented in code, one by a launcher whose package is installed, one by a
    launcher without it, one traced by hand beside the instrumented one, one with no tracing."""
    assert_fixture(ROOT / "fixtures" / "monorepo_services", ["CTX1", "CTX2", "CTX3"])


def write(root: Path, files: dict) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(dedent(text).lstrip("\n"), encoding="utf-8")
    return root


def project(tmp_path: Path, files: dict, select=("CTX1", "CTX2", "CTX3"), **extra) -> set:
    write(tmp_path, files)
    return {(f["path"], f["line"], f["code"]) for f in lint_json(tmp_path, select, cwd=tmp_path, extra_args=extra)}


KAFKA = """
from kafka import KafkaProducer
from opentelemetry import trace

tracer = trace.get_tracer(__name__)
producer = KafkaProducer()
"""


# ---------------------------------------------------------------------------------- origins
def test_script_without_span_has_nothing_to_lose_but_a_span_does(tmp_path):
    found = project(tmp_path, {
        "quiet.py": KAFKA + """
def publish():
    producer.send("t", b"x")


if __name__ == "__main__":
    publish()
""",
        "traced.py": KAFKA + """
def publish():
    producer.send("t", b"x")


def main():
    with tracer.start_as_current_span("batch"):
        publish()


if __name__ == "__main__":
    main()
""",
        "toplevel.py": KAFKA + 'producer.send("t", b"x")\n',
    })
    assert found == {("traced.py", 8, "CTX101")}


def test_route_decorator_is_an_origin_only_in_a_traced_process(tmp_path):
    flask_app = """
from flask import Flask
from kafka import KafkaProducer

app = Flask(__name__)
producer = KafkaProducer()


@app.route("/orders")
def orders():
    send()


def send():
    producer.send("orders", b"x")
"""
    found = project(tmp_path, {
        "traced/app.py": "from opentelemetry.instrumentation.flask import FlaskInstrumentor\n" + flask_app
                         + "\nFlaskInstrumentor().instrument_app(app)\n",
        "plain/app.py": flask_app,
    })
    assert found == {("traced/app.py", 16, "CTX101")}


def test_web_server_traced_by_a_plugin_or_a_generic_middleware(tmp_path):
    """Litestar's own OpenTelemetry plugin, and OpenTelemetry's ASGI middleware handed to the
    application (``app.add_middleware(OpenTelemetryMiddleware)``), put each request in a span."""
    fastapi_app = """
from fastapi import FastAPI
from kafka import KafkaProducer

app = FastAPI()
producer = KafkaProducer()


@app.post("/orders")
def orders():
    producer.send("orders", b"x")
"""
    found = project(tmp_path, {
        "asgi/app.py": "from opentelemetry.instrumentation.asgi import OpenTelemetryMiddleware\n" + fastapi_app
                       + "\napp.add_middleware(OpenTelemetryMiddleware)\n",
        "plain/app.py": fastapi_app,
        "lite/app.py": """
from kafka import KafkaProducer
from litestar import Litestar, post
from litestar.contrib.opentelemetry import OpenTelemetryConfig, OpenTelemetryPlugin

producer = KafkaProducer()


@post("/orders")
async def orders() -> None:
    producer.send("orders", b"x")


app = Litestar(route_handlers=[orders], plugins=[OpenTelemetryPlugin(OpenTelemetryConfig())])
""",
    })
    assert found == {("asgi/app.py", 12, "CTX101"), ("lite/app.py", 10, "CTX101")}


def test_method_of_a_module_level_instance_is_called_through_it(tmp_path):
    """``cache = Cache()`` at module level, imported elsewhere (through a re-export) and called as
    ``cache.warm()``: the start-up code that calls it is the method's caller, so the publish
    inside runs with no context; called from a span instead, it is reported."""
    files = {
        "app/__init__.py": "",
        "app/cache.py": KAFKA + """

class Cache:
    def warm(self):
        producer.send("warm", b"x")


cache = Cache()
""",
        "app/exec_base.py": "from app.cache import cache  # noqa: F401\n",
        "app/main.py": """
from opentelemetry import trace

from app.exec_base import cache


def handle(request):
    with trace.get_tracer(__name__).start_as_current_span("handle"):
        return request


if __name__ == "__main__":
    cache.warm()
""",
    }
    assert project(tmp_path, files, select=("CTX1",)) == set()
    main = (tmp_path / "app/main.py").read_text()
    (tmp_path / "app/main.py").write_text(main.replace("        return request", "        cache.warm()"))
    assert project(tmp_path, {}, select=("CTX1",)) == {("app/cache.py", 10, "CTX101")}


def test_classmethod_factory_calls_the_constructor(tmp_path):
    """``return cls(...)`` in a classmethod makes the class: ``Session.create()`` from start-up code
    reaches ``Session.__init__`` with no context, and from a span with one."""
    files = {
        "app/__init__.py": "",
        "app/session.py": KAFKA + """

class Session:
    def __init__(self, name):
        producer.send("sessions", name)

    @classmethod
    def create(cls, name):
        return cls(name)
""",
        "app/main.py": """
from opentelemetry import trace

from app.session import Session


def handle(request):
    with trace.get_tracer(__name__).start_as_current_span("handle"):
        return request


if __name__ == "__main__":
    Session.create("boot")
""",
    }
    assert project(tmp_path, files, select=("CTX1",)) == set()
    main = (tmp_path / "app/main.py").read_text()
    (tmp_path / "app/main.py").write_text(main.replace("        return request", "        Session.create(request)"))
    assert project(tmp_path, {}, select=("CTX1",)) == {("app/session.py", 10, "CTX101")}


def test_thread_subclass_runs_in_the_context_of_the_code_that_makes_it(tmp_path):
    """``TaskThread(task_id).start()``: the thread's ``run`` is reached from the function that
    makes it, so a thread made by a start-up loop runs with no context, and one made in a span
    has one."""
    files = {
        "app/__init__.py": "",
        "app/threads.py": KAFKA + """
import threading


class TaskThread(threading.Thread):
    def __init__(self, task_id):
        super().__init__()
        self.task_id = task_id

    def run(self):
        producer.send("tasks", self.task_id)
""",
        "app/main.py": """
from opentelemetry import trace

from app.threads import TaskThread


def handle(request):
    with trace.get_tracer(__name__).start_as_current_span("handle"):
        return request


def monitor():
    while True:
        TaskThread(1).start()


if __name__ == "__main__":
    monitor()
""",
    }
    assert project(tmp_path, files, select=("CTX1",)) == set()
    main = (tmp_path / "app/main.py").read_text()
    (tmp_path / "app/main.py").write_text(main.replace("        return request", "        TaskThread(2).start()"))
    assert project(tmp_path, {}, select=("CTX1",)) == {("app/threads.py", 16, "CTX101")}


def test_namespace_package_split_across_directories(tmp_path):
    """``acme`` has no ``__init__.py`` and is installed from two directories (a monorepo's
    ``core/acme/`` and ``tracing/acme/tracing/``): ``from acme.tracing import ContextPool`` names
    the pool of the other directory, whose workers replay the context its constructor copied (and
    ``PlainPool`` is a thread pool of that directory)."""
    files = {
        "core/acme/jobs.py": """
from concurrent.futures import ThreadPoolExecutor

from opentelemetry import trace

from acme.tracing import ContextPool, PlainPool

tracer = trace.get_tracer(__name__)


def work(item):
    with tracer.start_as_current_span("work"):
        return item


def run(items):
    with tracer.start_as_current_span("run"):
        ContextPool(2).submit(work, items)
        PlainPool(2).submit(work, items)  # error: CTX201
        ThreadPoolExecutor(2).submit(work, items)  # error: CTX201
""",
        "tracing/acme/tracing/__init__.py": "from ._pool import ContextPool, PlainPool  # noqa: F401\n",
        "tracing/acme/tracing/_pool.py": """
import contextvars
from concurrent.futures import ThreadPoolExecutor


def _set(context):
    for var, value in context.items():
        var.set(value)


class ContextPool(ThreadPoolExecutor):
    def __init__(self, max_workers=None):
        super().__init__(max_workers, "", _set, (contextvars.copy_context(),))


class PlainPool(ThreadPoolExecutor):
    pass
""",
    }
    write(tmp_path, files)
    assert_fixture(tmp_path, ["CTX2"])


def test_hand_off_started_by_a_service_loop_has_no_request_context(tmp_path):
    """A library's ``_monitor`` loops ``while not self._closing:`` and samples on the default
    executor: the loop is started once and serves later work, so the hand-off carries no
    request's context, also in a helper only the loop calls. A public method nothing calls that
    hands work to a thread may be called inside a span: reported (medium); so may a task that
    loops while it watches its job."""
    write(tmp_path, {"lib/__init__.py": "", "lib/pool.py": """
import asyncio
import threading

from celery import shared_task
from opentelemetry import trace
from opentelemetry.instrumentation.celery import CeleryInstrumentor

tracer = trace.get_tracer(__name__)
CeleryInstrumentor().instrument()


def sample():
    return 1


class Supervisor:
    async def _monitor(self):
        loop = asyncio.get_running_loop()
        while not self._closing and not self._killed:
            await loop.run_in_executor(None, sample)
            self._report()
            await asyncio.sleep(1)

    def _report(self):
        threading.Thread(target=sample).start()

    def start_job(self):
        threading.Thread(target=sample).start()  # error: CTX202


@shared_task
def proxy_job(job_id):
    while True:  # a task that watches its job still runs one message's work
        threading.Thread(target=sample).start()  # error: CTX202
"""})
    assert_fixture(tmp_path, ["CTX2"])


def test_hand_off_started_while_an_object_is_set_up_serves_the_object(tmp_path):
    """A library's client starts its reader thread in ``__init__``, its heartbeat (through a
    helper) in ``connect`` and its worker processes in ``__enter__``; nothing in the project makes,
    connects or enters one: what they start serves the object for its lifetime, not the work of
    whoever sets it up. A method of the same class that hands one batch to a thread may run inside
    its caller's span: reported. A stream's writer thread, started in its ``__init__``, also when
    the stream is made by a function nothing calls. Set up inside a span of the project, the
    thread is reported (the context is known there)."""
    write(tmp_path, {"lib/__init__.py": "", "lib/client.py": """
import multiprocessing
import threading

from opentelemetry import trace

tracer = trace.get_tracer(__name__)


def work(item=None):
    with tracer.start_as_current_span("work"):
        return item


class Client:
    def __init__(self):
        self._reader = threading.Thread(target=work)  # serves the client
        self._reader.start()

    def connect(self):
        self._spawn_heartbeat()

    def _spawn_heartbeat(self):
        threading.Timer(30, work).start()

    def __enter__(self):
        self._procs = [multiprocessing.Process(target=work) for _ in range(2)]
        return self

    def send_batch(self, items):
        threading.Thread(target=work, args=(items,)).start()  # error: CTX202


class Runtime:
    def _launch(self):
        self._poller = threading.Thread(target=work, daemon=True)  # started once, serves the runtime
        self._poller.start()


class Session:
    def __init__(self):
        threading.Thread(target=work).start()  # error: CTX202


def traced_session():
    with tracer.start_as_current_span("session"):
        return Session()


class Stream:
    def __init__(self):
        threading.Thread(target=work, daemon=True).start()  # the stream's writer


def open_stream():
    return Stream()  # nothing calls it: whoever does sets a stream up
"""})
    assert_fixture(tmp_path, ["CTX2"])


def test_an_example_whose_process_sets_no_tracing_up_has_no_context(tmp_path):
    """A library ships a telemetry middleware (spans of its own) and examples in ``docs_src/`` and
    ``examples/``, each a program nothing imports. An example that imports no SDK, agent or
    configurator, and that no launcher starts, makes no trace: its publishes lose nothing, though
    the library it imports has spans, and its consume loop's follow-up publish breaks no chain of
    its own. One that sets the SDK up may run its handler in a span: its publish is reported, and
    its relay's follow-up publish drops the message's context; so is the library's own API, whose
    callers set tracing up themselves."""
    write(tmp_path, {
        "pyproject.toml": "[project]\nname = 'lib'\n[build-system]\nrequires = ['setuptools']\n",
        "lib/__init__.py": "from lib.broker import forward\nfrom lib import telemetry\n",
        "lib/broker.py": """
from kafka import KafkaProducer

producer = KafkaProducer()


def forward(payload):
    producer.send("forwarded", payload)  # error: CTX101
""",
        "lib/telemetry.py": """
from opentelemetry import trace

tracer = trace.get_tracer(__name__)


def traced(handler):
    def wrapper(*args):
        with tracer.start_as_current_span("handle"):
            return handler(*args)
    return wrapper
""",
        "docs/docs_src/publish.py": """
from kafka import KafkaProducer

import lib

producer = KafkaProducer()


def on_message(payload):
    producer.send("orders", payload)
""",
        "docs/docs_src/relay.py": """
from kafka import KafkaConsumer, KafkaProducer

import lib

consumer = KafkaConsumer("payments")
producer = KafkaProducer()


def relay():
    for record in consumer:
        producer.send("shipments", record.value)  # no chain of its own to break: nothing traces here
""",
        "examples/traced_relay.py": """
from kafka import KafkaConsumer, KafkaProducer
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry import trace

trace.set_tracer_provider(TracerProvider())
consumer = KafkaConsumer("payments")  # produced outside the project
producer = KafkaProducer()


def relay():
    for record in consumer:
        producer.send("shipments", record.value)  # error: CTX103
""",
        "examples/traced_publish.py": """
from kafka import KafkaProducer
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry import trace

import lib

trace.set_tracer_provider(TracerProvider())
producer = KafkaProducer()


def on_message(payload):
    producer.send("orders", payload)  # error: CTX101
""",
    })
    assert_fixture(tmp_path, ["CTX1"])


def test_a_pyramid_subscriber_to_application_created_runs_at_start_up(tmp_path):
    """``@subscriber(ApplicationCreated)`` runs once the application is made, before any request:
    the threads it starts carry no request's context. A subscriber to ``NewRequest`` runs in each
    request: its thread may lose one."""
    write(tmp_path, {"streamer.py": """
import threading

from opentelemetry import trace
from pyramid.events import ApplicationCreated, NewRequest, subscriber

tracer = trace.get_tracer(__name__)


def work():
    with tracer.start_as_current_span("work"):
        pass


@subscriber(ApplicationCreated)
def start(event):
    threading.Thread(target=work, daemon=True).start()


@subscriber(NewRequest)
def on_request(event):
    threading.Thread(target=work).start()  # error: CTX202
"""})
    assert_fixture(tmp_path, ["CTX2"])


def test_routes_registered_by_a_call_belong_to_the_framework_that_registers_them(tmp_path):
    """``app.add_routes([web.get("/metrics", handler)])`` (aiohttp) and ``app.add_url_rule(...)``
    (Flask) make route handlers: in a span where the process traces that framework, without one
    where it traces none."""
    aiohttp_app = """
from aiohttp import web
from kafka import KafkaProducer

producer = KafkaProducer()


async def handle(request):
    producer.send("hits", b"x")
    return web.Response()


app = web.Application()
app.add_routes([web.get("/hits", handle)])
"""
    flask_app = """
from flask import Flask
from kafka import KafkaProducer

app = Flask(__name__)
producer = KafkaProducer()


def orders():
    producer.send("orders", b"x")
    return ""


app.add_url_rule("/orders", view_func=orders)
"""
    found = project(tmp_path, {
        "plain_aiohttp/app.py": aiohttp_app,
        "traced_aiohttp/app.py": "from opentelemetry.instrumentation.aiohttp_server import AioHttpServerInstrumentor\n"
                                 + aiohttp_app + "AioHttpServerInstrumentor().instrument()\n",
        "traced_flask/app.py": "from opentelemetry.instrumentation.flask import FlaskInstrumentor\n" + flask_app
                               + "FlaskInstrumentor().instrument_app(app)\n",
    }, select=("CTX1",))
    assert found == {("traced_aiohttp/app.py", 10, "CTX101"), ("traced_flask/app.py", 11, "CTX101")}


def test_websocket_consumer_runs_in_a_span_only_where_websockets_are_traced(tmp_path):
    """A Django Channels consumer's ``receive_json`` handles a websocket message: DjangoInstrumentor
    traces HTTP requests only, so it runs in no span; OpenTelemetry's ASGI middleware around the
    application traces the connection, so a publish there loses that span's context."""
    files = {
        "chat/__init__.py": "",
        "chat/consumers.py": KAFKA + """
from channels.generic.websocket import AsyncJsonWebsocketConsumer


class ChatConsumer(AsyncJsonWebsocketConsumer):
    async def receive_json(self, content):
        producer.send("chat", b"x")
""",
        "chat/asgi.py": """
from django.core.asgi import get_asgi_application
from opentelemetry.instrumentation.django import DjangoInstrumentor

from chat import consumers  # noqa: F401

DjangoInstrumentor().instrument()
application = get_asgi_application()
""",
    }
    assert project(tmp_path, files, select=("CTX1",)) == set()
    asgi = (tmp_path / "chat/asgi.py").read_text()
    (tmp_path / "chat/asgi.py").write_text(
        asgi.replace("application = get_asgi_application()",
                     "from opentelemetry.instrumentation.asgi import OpenTelemetryMiddleware\n\n"
                     "application = OpenTelemetryMiddleware(get_asgi_application())"))
    assert project(tmp_path, {}, select=("CTX1",)) == {("chat/consumers.py", 12, "CTX101")}


def test_library_function_nobody_calls_is_reported_with_medium_confidence(tmp_path):
    write(tmp_path, {"lib/__init__.py": "", "lib/events.py": KAFKA + """
def emit(value):
    producer.send("events", value)
"""})
    findings = lint_json(tmp_path, ["CTX1"], cwd=tmp_path)
    assert [(f["path"], f["line"], f["confidence"]) for f in findings] == [("lib/events.py", 8, "medium")]
    high = lint_json(tmp_path, ["CTX1"], cwd=tmp_path, extra_args={"min_confidence": "high"})
    assert high == []


def test_evidence_names_the_origin(tmp_path):
    write(tmp_path, {"svc/__init__.py": "", "svc/jobs.py": KAFKA + """
def step():
    producer.send("t", b"x")


def run():
    with tracer.start_as_current_span("run"):
        step()
"""})
    [finding] = lint_json(tmp_path, ["CTX1"], cwd=tmp_path)
    assert finding["confidence"] == "medium" and finding["context"] == "medium"
    assert {"path": "svc/jobs.py", "line": 12, "column": 1, "end_line": 12, "end_column": 1,
            "message": "a trace context exists here: reached from `run` starts a span"} in finding["related"]


def test_a_span_holds_only_the_lines_of_its_with_block(tmp_path):
    """``run`` opens its span after it has set things up: what it calls before the ``with`` runs
    in ``run``'s callers' context (here a script's, none), what it calls inside runs in the span;
    also where the span's context manager is made first and entered later (``with span:``)."""
    write(tmp_path, {"svc/__init__.py": "", "svc/jobs.py": "import contextlib\n" + KAFKA + """
def prepare():
    producer.send("t", b"starting")


def step():
    producer.send("t", b"x")


def run():
    prepare()
    producer.send("t", b"before")
    with tracer.start_as_current_span("run"):
        step()
        producer.send("t", b"inside")
    producer.send("t", b"after")


def run_later(traced):
    prepare()
    span = tracer.start_as_current_span("later") if traced else contextlib.nullcontext()
    with span:
        producer.send("t", b"inside")


if __name__ == "__main__":
    run()
    run_later(True)
"""})
    found = {(f["line"], f["confidence"]) for f in lint_json(tmp_path, ["CTX1"], cwd=tmp_path)}
    assert found == {(14, "medium"), (22, "high"), (30, "high")}


def test_test_code_is_out_unless_included(tmp_path):
    files = {"tests/test_pub.py": KAFKA + """
def test_publish():
    with tracer.start_as_current_span("t"):
        producer.send("t", b"x")
"""}
    assert project(tmp_path, files) == set()


def test_include_tests_setting(tmp_path):
    write(tmp_path, {"pyproject.toml": "[tool.propagation-lint]\ninclude-tests = true\n", "test_pub.py": KAFKA + """
def test_publish():
    with tracer.start_as_current_span("t"):
        producer.send("t", b"x")
"""})
    found = {(f["path"], f["line"]) for f in lint_json(tmp_path, ["CTX1"], cwd=tmp_path)}
    assert found == {("test_pub.py", 9)}


# ---------------------------------------------------------------------------------- wrappers
def test_project_context_manager_that_starts_a_span_is_a_span(tmp_path):
    found = project(tmp_path, {
        "app/__init__.py": "",
        "app/telemetry.py": """
import contextlib
from opentelemetry import trace


@contextlib.contextmanager
def traced(name):
    with trace.get_tracer(__name__).start_as_current_span(name):
        yield
""",
        "app/report.py": """
from kafka import KafkaProducer

from app.telemetry import traced

producer = KafkaProducer()


def nightly():
    with traced("nightly"):
        producer.send("reports", b"x")  # the span comes from the project's wrapper


if __name__ == "__main__":
    nightly()
""",
    })
    assert found == {("app/report.py", 10, "CTX101")}


def test_project_decorator_that_starts_a_span(tmp_path):
    found = project(tmp_path, {
        "app/__init__.py": "",
        "app/tracing.py": """
import functools
from opentelemetry import trace


def traced(fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        with trace.get_tracer(__name__).start_as_current_span(fn.__name__):
            return fn(*args, **kwargs)
    return wrapper
""",
        "app/jobs.py": """
from kafka import KafkaProducer

from app.tracing import traced

producer = KafkaProducer()


@traced
def job():
    producer.send("jobs", b"x")


if __name__ == "__main__":
    job()
""",
    })
    assert found == {("app/jobs.py", 10, "CTX101")}


def test_helper_that_converts_an_injected_carrier_carries_it(tmp_path):
    found = project(tmp_path, {"pub.py": """
from confluent_kafka import Producer
from opentelemetry import trace
from opentelemetry.propagate import inject

tracer = trace.get_tracer(__name__)
producer = Producer({})


def carrier_to_headers(carrier: dict) -> list:
    return [(k, v.encode("utf-8")) for k, v in carrier.items()]


def carrier_dropped(carrier: dict) -> list:
    return [("source", b"shop")]


def publish(value):
    with tracer.start_as_current_span("publish"):
        carrier = {}
        inject(carrier)
        producer.produce("t", value, headers=carrier_to_headers(carrier))
        producer.produce("t", value, headers=carrier_dropped(carrier))  # error
"""})
    assert found == {("pub.py", 22, "CTX101")}


def test_thread_whose_run_enters_a_helper_that_attaches_the_passed_context(tmp_path):
    found = project(tmp_path, {
        "lib/__init__.py": "",
        "lib/tracing.py": """
import contextlib
from opentelemetry import context, trace
from opentelemetry.trace import NonRecordingSpan


@contextlib.contextmanager
def attach_to_parent(span_context):
    token = context.attach(trace.set_span_in_context(NonRecordingSpan(span_context)))
    try:
        yield
    finally:
        context.detach(token)
""",
        "lib/workers.py": """
import threading

from lib.tracing import attach_to_parent


def log(span_context):
    print(span_context)


class Attached(threading.Thread):
    def __init__(self, span_context):
        super().__init__()
        self._span_context = span_context

    def run(self):
        with attach_to_parent(self._span_context):
            pass


class Plain(threading.Thread):
    def __init__(self, span_context):
        super().__init__()
        self._span_context = span_context

    def run(self):
        log(self._span_context)
""",
    })
    assert found == {("lib/workers.py", 25, "CTX202")}


def test_context_passed_to_a_process_as_a_keyword_argument(tmp_path):
    found = project(tmp_path, {"pool.py": """
import multiprocessing
from opentelemetry import trace

tracer = trace.get_tracer(__name__)


def work(span_context=None):
    return span_context


def start():
    with tracer.start_as_current_span("start") as span:
        multiprocessing.Process(target=work, kwargs={"span_context": span.get_span_context()}).start()
        multiprocessing.Process(target=work, kwargs={"n": 1}).start()
"""})
    assert found == {("pool.py", 14, "CTX204")}


# ---------------------------------------------------------------------------------- tasks
def test_task_used_through_two_modules_is_analysed(tmp_path):
    """The task's module and the view's never import celery: both are found through the project."""
    found = project(tmp_path, {
        "webapp/__init__.py": "",
        "webapp/celery_app.py": "from celery import Celery\n\napp = Celery('webapp')\n",
        "webapp/mail.py": """
from webapp.celery_app import app


@app.task
def send_mail(to):
    return to
""",
        "webapp/api.py": "from webapp.mail import send_mail  # re-exported\n",
        "webapp/views.py": """
from flask import Flask
from opentelemetry.instrumentation.flask import FlaskInstrumentor

from webapp import api

app = Flask(__name__)
FlaskInstrumentor().instrument_app(app)


@app.post("/invite")
def invite():
    api.send_mail.delay("a@b.c")  # error
""",
    })
    assert found == {("webapp/views.py", 12, "CTX101")}


def test_follow_up_forwarding_the_received_context_is_not_a_broken_chain(tmp_path):
    found = project(tmp_path, {"tasks.py": """
from celery import shared_task
from opentelemetry import trace

tracer = trace.get_tracer(__name__)


@shared_task(bind=True)
def deliver(self, payload, telemetry_context=None):
    with tracer.start_as_current_span("deliver"):
        deliver.apply_async(kwargs={"payload": payload, "telemetry_context": telemetry_context})
        request_kwargs = self.request.kwargs
        deliver.apply_async(kwargs={**request_kwargs, "payload": payload})
"""}, select=("CTX103",))
    assert found == set()


# ---------------------------------------------------------------------------------- units
def test_summary_resolves_calls_through_imports_self_and_locals():
    summary = summarize(dedent("""
        from .models import Job
        from shop import tasks as t

        class Runner:
            def go(self):
                self.step()
                job = Job.objects.create(name="x")
                job.start()
                t.sync.delay()

            def step(self):
                pass
    """), "shop.runner", False)
    calls = {(caller, ref) for caller, ref, _ in summary["calls"]}
    assert ("shop.runner.Runner.go", "shop.runner.Runner.step") in calls
    assert ("shop.runner.Runner.go", "()shop.models.Job.start") in calls
    assert ("shop.runner.Runner.go", "shop.tasks.sync.delay") in calls


def test_modules_resolve_to_the_nearest_file_of_that_name(tmp_path):
    entries = [
        (str(tmp_path / "a" / "producer.py"), "producer", False, {}),
        (str(tmp_path / "b" / "producer.py"), "producer", False, {}),
        (str(tmp_path / "b" / "main.py"), "main", False, {"imports": ["producer"]}),
        (str(tmp_path / "a" / "main.py"), "main", False, {"imports": ["producer"]}),
    ]
    index = ModuleIndex(entries)
    assert index.nearest("producer", 2) == 1 and index.nearest("producer", 3) == 0
    processes = Processes(index, [False] * 4)
    assert processes.processes_of(1) == (1 << 1) | (1 << 2)  # b/main.py runs b/producer.py only


def test_configuration_strings_are_imports(tmp_path):
    entries = [
        (str(tmp_path / "manage.py"), "manage", False, {"strings": ["site.settings"]}),
        (str(tmp_path / "site" / "__init__.py"), "site", True, {}),
        (str(tmp_path / "site" / "settings.py"), "site.settings", False, {"strings": ["site.urls"]}),
        (str(tmp_path / "site" / "urls.py"), "site.urls", False, {}),
    ]
    processes = Processes(ModuleIndex(entries), [False] * 4)
    assert (processes.processes_of(3) >> 0) & 1  # manage.py's process loads the URLconf


@pytest.mark.parametrize("path, expected", [
    ("tests/test_x.py", True), ("pkg/tests/helpers.py", True), ("test_api.py", True), ("api_test.py", True),
    ("conftest.py", True), ("pkg/contest.py", False), ("latest.py", False), ("pkg/testing_utils.py", False),
    ("src/app/test_utils/pytest_conftest.py", True), ("app/_smoke_tests/demo.py", True),
    ("integration_tests/flows.py", True), ("pkg/latest/api.py", False), ("contest/views.py", False),
    ("integration-tests/fixtures/service.py", True), ("test-utils/launcher.py", True), ("latest-api/views.py", False),
])
def test_test_paths(path, expected):
    assert is_test_path(path) is expected


def test_instrumentation_set_up_only_by_a_task_does_not_trace_the_web_process(tmp_path):
    """A setup function that only a Celery task calls instruments the worker, not the views."""
    views = """
from django.http import HttpResponse

from app.tasks import send


def checkout(request):
    send.delay(1)
    return HttpResponse("ok")
"""
    files = {
        "app/__init__.py": "",
        "app/telemetry.py": """
from opentelemetry.instrumentation.django import DjangoInstrumentor


def init_tracer():
    DjangoInstrumentor().instrument()
""",
        "app/tasks.py": """
from celery import shared_task

from app.telemetry import init_tracer


@shared_task
def send(n):
    return n


@shared_task
def report():
    init_tracer()
""",
        "app/views.py": views,
        "app/urls.py": "from django.urls import path\n\nfrom app import views\n\nurlpatterns = [path('c/', views.checkout)]\n",
        # middleware: nothing in the project calls it; Django does, for every request
        "app/middleware.py": "from app.tasks import send\nfrom app import urls  # noqa: F401\n\n\n"
                             "def audit(get_response):\n    send.delay(2)\n    return get_response\n",
    }
    assert project(tmp_path, files) == set()
    # the same setup called at import time of the web process: the view runs in a request span
    files["app/urls.py"] = ("from django.urls import path\n\nfrom app import views\nfrom app.telemetry import init_tracer\n\n"
                            "init_tracer()\nurlpatterns = [path('c/', views.checkout)]\n")
    assert project(tmp_path, files) == {("app/views.py", 7, "CTX101"), ("app/middleware.py", 6, "CTX101")}


def test_consumer_span_of_a_task_no_producer_sends_a_context_to_is_a_root(tmp_path):
    """A periodic task (named in a beat schedule) begins its trace: no producer's context is lost."""
    found = project(tmp_path, {
        "app/__init__.py": "",
        "app/settings.py": 'CELERY_BEAT_SCHEDULE = {"nightly": {"task": "app.tasks.nightly", "schedule": 3600}}\n',
        "app/tasks.py": """
from celery import shared_task
from opentelemetry import trace

tracer = trace.get_tracer(__name__)


@shared_task
def nightly():
    with tracer.start_as_current_span("nightly"):
        return 1


@shared_task
def on_demand():
    with tracer.start_as_current_span("on-demand"):
        return 1
""",
    }, select=("CTX3",))
    assert found == {("app/tasks.py", 15, "CTX301")}


def test_carrier_merged_and_converted_by_helpers_of_another_module(tmp_path):
    """``to_pairs(merge_into(base, carrier))`` with both helpers in another module: the injected
    carrier comes back out of each; a helper that drops it does not carry it. A context extracted
    by the consumer and re-attached by the helper it is passed to connects the helper's span."""
    found = project(tmp_path, {
        "app/__init__.py": "",
        "app/headers.py": """
from opentelemetry import context, trace

tracer = trace.get_tracer(__name__)


def merge_into(base, extra):
    merged = dict(base)
    merged.update(extra)
    return merged


def to_pairs(carrier):
    return [(k, v.encode()) for k, v in carrier.items()]


def defaults_only(carrier):
    return {"kind": "order"}


def process(record, ctx):
    token = context.attach(ctx)
    try:
        with tracer.start_as_current_span("process"):
            print(record)
    finally:
        context.detach(token)
""",
        "app/svc.py": KAFKA + """
from kafka import KafkaConsumer
from opentelemetry.propagate import extract, inject

from app.headers import defaults_only, merge_into, process, to_pairs

consumer = KafkaConsumer("orders")


def publish(order):
    with tracer.start_as_current_span("publish"):
        carrier = {}
        inject(carrier)
        producer.send("orders", order, headers=to_pairs(merge_into({"kind": "order"}, carrier)))
        producer.send("orders", order, headers=to_pairs(defaults_only(carrier)))


def consume():
    for record in consumer:
        process(record, extract({k: v.decode() for k, v in record.headers}))
""",
    })
    assert found == {("app/svc.py", 20, "CTX101")}


TRACED_TASKS_HEAD = """from celery import shared_task
from opentelemetry import trace

tracer = trace.get_tracer(__name__)
"""


def test_tasks_sent_by_name_resolve_to_the_task_registered_under_that_name(tmp_path):
    """``send_task("reports.build")`` and ``signature("app.tasks.notify")`` are producers of the tasks
    registered under those names (``@shared_task(name=...)``, else ``module.function``): sent only
    from a management command, their spans begin a trace; a beat schedule may name a task by its
    registered name too. A task nothing in the project sends may get a context from outside."""
    found = project(tmp_path, {
        "app/__init__.py": "",
        "app/celery.py": "from celery import Celery\n\napp = Celery('app')\n",
        "app/settings.py": 'CELERY_BEAT_SCHEDULE = {"nightly": {"task": "reports.nightly", "schedule": 3600}}\n',
        "app/tasks.py": TRACED_TASKS_HEAD + "".join(
            f"\n\n@shared_task{decorator_args}\ndef {name}():\n    with tracer.start_as_current_span('{name}'):\n        return 1\n"
            for decorator_args, name in (('(name="reports.build")', "build"), ("", "notify"),
                                         ('(name="reports.nightly")', "nightly"), ("", "on_demand"))),
        "app/management/__init__.py": "",
        "app/management/commands/__init__.py": "",
        "app/management/commands/rebuild.py": """
from celery import signature

from app.celery import app


def handle():
    app.send_task("reports.build")
    signature("app.tasks.notify").apply_async()
""",
    }, select=("CTX3",))
    assert found == {("app/tasks.py", 27, "CTX301")}  # on_demand


def test_tracing_libraries_own_worker_threads_are_not_hand_offs(tmp_path):
    body = """
import threading
from opentelemetry import trace


def export(batch):
    with trace.get_tracer(__name__).start_as_current_span("export"):
        threading.Thread(target=print, args=(batch,)).start()
"""
    found = project(tmp_path, {"src/opentelemetry/sdk/export.py": body, "app/export.py": body}, select=("CTX2",))
    assert found == {("app/export.py", 7, "CTX202")}


@pytest.mark.parametrize("directory", ["analytic", "analytic/reports"])
def test_namespace_directory_inside_a_package_keeps_its_dotted_name(tmp_path, directory):
    """`views/analytic/base.py` with no __init__.py in `analytic/` is `shop.views.analytic.base`
    (and `views/analytic/reports/base.py`, two levels without one, `shop.views.analytic.reports.base`):
    the URLconf's import reaches it, so the view's route decides its context (here: none)."""
    found = project(tmp_path, {
        "shop/__init__.py": "",
        "shop/views/__init__.py": f"from .{directory.replace('/', '.')}.base import export\n",
        f"shop/views/{directory}/base.py": """
from django.http import HttpResponse
from opentelemetry import trace  # noqa: F401

from shop.tasks import build


def export(request):
    build.delay()
    return HttpResponse("ok")
""",
        "shop/tasks.py": "from celery import shared_task\n\n\n@shared_task\ndef build():\n    return 1\n",
        "shop/urls.py": "from django.urls import path\n\nfrom shop.views import export\n\nurlpatterns = [path('e/', export)]\n",
        "shop/settings.py": 'ROOT_URLCONF = "shop.urls"\n',
        # the web process imports tracing but instruments no web framework: its views run in no span
        "shop/wsgi.py": ("import os\n\nimport opentelemetry.trace  # noqa: F401\n\n"
                         'os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings")\n'),
    })
    assert found == set()  # the view is found behind its URLconf (a bare module name `base` hid it)


# ------------------------------------------------------------- the other side records nothing
CELERY_WEB = """
import logging
import time

from celery import shared_task
from opentelemetry import trace

from shop.db import save, audit

tracer = trace.get_tracer(__name__)


@shared_task
def cleanup(order_id):
    save(order_id)


@shared_task
def reconcile(order_id):
    audit(order_id)


@shared_task
def placeholder(order_id):
    logging.getLogger(__name__).info("order %s", order_id)
    time.sleep(1)
    return order_id


def checkout(order_id):
    with tracer.start_as_current_span("checkout"):
        cleanup.delay(order_id)
        reconcile.delay(order_id)  # error: CTX101
        placeholder.delay(order_id)  # error: CTX101
"""


def test_publish_to_a_task_that_records_nothing_is_not_a_gap(tmp_path):
    """``cleanup`` only writes to the database (no span, no instrumentation in the worker): the
    context is lost but nothing would connect to it. ``reconcile`` reaches a span two modules away
    (read in full only as the search gets there); a task that only logs and sleeps is a
    placeholder (an example's stub) and stands for real work."""
    found = project(tmp_path, {
        "shop/__init__.py": "",
        "shop/tasks.py": CELERY_WEB,
        "shop/db.py": """
from shop.audit_log import write_audit


def save(order_id):
    return order_id


def audit(order_id):
    write_audit(order_id)
""",
        "shop/audit_log.py": """
from opentelemetry import trace

tracer = trace.get_tracer(__name__)


def write_audit(order_id):
    with tracer.start_as_current_span("audit"):
        return order_id
""",
    })
    assert found == {("shop/tasks.py", 32, "CTX101"), ("shop/tasks.py", 33, "CTX101")}


def test_any_instrumentation_in_the_worker_records_the_task_side(tmp_path):
    found = project(tmp_path, {
        "shop/__init__.py": "",
        "shop/tasks.py": CELERY_WEB.replace(
            "tracer = trace.get_tracer(__name__)",
            "from opentelemetry.instrumentation.requests import RequestsInstrumentor\n\n"
            "RequestsInstrumentor().instrument()\ntracer = trace.get_tracer(__name__)"),
        "shop/db.py": "def save(order_id):\n    return order_id\n\n\ndef audit(order_id):\n    return order_id\n",
    })
    assert {code for _p, _l, code in found} == {"CTX101"} and len(found) == 3


def test_instrumentation_set_up_by_the_web_servers_entry_module_records_nothing_in_the_worker(tmp_path):
    """``wsgi.py`` wraps the application in the WSGI middleware and instruments requests: the web
    server loads it, a Celery worker never does, so ``cleanup`` (database work only) still records
    nothing; the same instrumentation in the tasks' module records in the worker too."""
    files = {
        "shop/__init__.py": "",
        "shop/tasks.py": CELERY_WEB,
        "shop/db.py": "def save(order_id):\n    return order_id\n\n\ndef audit(order_id):\n    return order_id\n",
        "shop/wsgi.py": """
from django.core.wsgi import get_wsgi_application
from opentelemetry.instrumentation.requests import RequestsInstrumentor
from opentelemetry.instrumentation.wsgi import OpenTelemetryMiddleware

from shop import tasks  # noqa: F401

application = OpenTelemetryMiddleware(get_wsgi_application())
RequestsInstrumentor().instrument()
""",
    }
    assert project(tmp_path, files) == {("shop/tasks.py", 33, "CTX101")}  # the placeholder only
    files["shop/tasks.py"] = CELERY_WEB.replace(
        "tracer = trace.get_tracer(__name__)",
        "from opentelemetry.instrumentation.requests import RequestsInstrumentor\n\n"
        "RequestsInstrumentor().instrument()\ntracer = trace.get_tracer(__name__)")
    assert {code for _p, _l, code in project(tmp_path, files)} == {"CTX101"}
    assert len(project(tmp_path, {})) == 3


# ------------------------------------------------------------------ what counts as tracing
def test_metrics_only_and_contextvars_are_not_tracing(tmp_path):
    """A project that uses OpenTelemetry for metrics only, and contextvars for request ids, has no
    trace context to lose: no publish and, under the default thread scope, no hand-off is
    reported, except in a file that imports contextvars itself; `thread-scope = "contextvars"`
    reports the hand-off anywhere in the process."""
    files = {
        "app/__init__.py": "",
        "app/metrics.py": "from opentelemetry import metrics\nfrom opentelemetry.sdk.resources import Resource\n\n"
                          "meter = metrics.get_meter(__name__)\n",
        "app/request_id.py": "import contextvars\n\nrequest_id = contextvars.ContextVar('request_id')\n",
        "app/work.py": """
from concurrent.futures import ThreadPoolExecutor

from kafka import KafkaProducer

from app import metrics, request_id

producer = KafkaProducer()
pool = ThreadPoolExecutor()


def handle(payload):
    producer.send("events", payload)
    pool.submit(render, payload)


def render(payload):
    return request_id.request_id.get()
""",
    }
    files["app/local.py"] = """
import contextvars
from concurrent.futures import ThreadPoolExecutor

tenant = contextvars.ContextVar("tenant")
pool = ThreadPoolExecutor()


def fan_out(items):
    return [pool.submit(print, tenant.get(), item) for item in items]
"""
    # a file that manages contextvars itself loses them at its own hand-offs
    assert project(tmp_path, files) == {("app/local.py", 9, "CTX201")}
    write(tmp_path, {"pyproject.toml": '[tool.propagation-lint]\nthread-scope = "contextvars"\n'})
    assert project(tmp_path, {}) == {("app/work.py", 13, "CTX201"), ("app/local.py", 9, "CTX201")}


# ------------------------------------------------------- publishes inside a consumer's handler
def test_publish_in_a_consume_loop_that_made_no_context_is_the_handlers_break(tmp_path):
    """No span, no extract before the publish: the only context there could be is the message's,
    which the handler dropped (one CTX103, no CTX101). A span of the handler's own before it: the
    publish loses that span's context (CTX101, with CTX103's explanation merged in)."""
    loop = """
from kafka import KafkaConsumer, KafkaProducer
from opentelemetry import trace

tracer = trace.get_tracer(__name__)
consumer = KafkaConsumer("orders")
producer = KafkaProducer()


def relay_without_any_context():
    for record in consumer:
        producer.send("shipments", record.value)


def relay_in_own_span():
    for record in consumer:
        with tracer.start_as_current_span("ship"):
            producer.send("shipments", record.value)
"""
    found = project(tmp_path, {"relay.py": loop})
    assert found == {("relay.py", 11, "CTX103"), ("relay.py", 16, "CTX301"), ("relay.py", 17, "CTX101")}


def test_beat_schedule_names_a_task_by_the_module_the_worker_imports(tmp_path):
    """The worker runs from ``app/``: the beat schedule names ``jobs.tasks.nightly``, which is the
    project's ``app.jobs.tasks.nightly``. A periodic task received no context: its publish has
    nothing to lose (the schedule's settings file has no candidate of its own)."""
    files = {
        "app/__init__.py": "",
        "app/jobs/__init__.py": "",
        "app/jobs/tasks.py": """
from celery import shared_task
from kafka import KafkaProducer
from opentelemetry.instrumentation.celery import CeleryInstrumentor

CeleryInstrumentor().instrument()
producer = KafkaProducer()


@shared_task
def nightly():
    for order_id in range(3):
        producer.send("refresh", str(order_id).encode())
""",
        "app/settings.py": """
CELERY_BEAT_SCHEDULE = {"nightly": {"task": "jobs.tasks.nightly", "schedule": 3600}}
""",
    }
    assert project(tmp_path, files) == set()
    write(tmp_path, {"app/settings.py": "CELERY_BEAT_SCHEDULE = {}\n"})
    assert project(tmp_path, {}) == {("app/jobs/tasks.py", 12, "CTX101")}


def test_service_imports_its_own_src_package_not_a_sibling_services(tmp_path):
    """Two services each have ``src/``: the traced one runs from its directory without
    ``src/__init__.py``; the untraced one has a package ``src``. The traced service's
    ``from src.clients.kafka_producer import ...`` is its own file (Python's path from its
    directory), so the untraced service's publish is in no traced process: nothing to lose."""
    files = {
        "services/orchestrator/src/main.py": """
from opentelemetry import trace

from src.clients.kafka_producer import send

tracer = trace.get_tracer(__name__)


def handle(event):
    with tracer.start_as_current_span("handle"):
        send(event)


if __name__ == "__main__":
    handle({})
""",
        "services/orchestrator/src/clients/kafka_producer.py": """
def send(event):
    return event
""",
        "services/sla/src/__init__.py": "",
        "services/sla/src/clients/__init__.py": "",
        "services/sla/src/clients/kafka_producer.py": """
from kafka import KafkaProducer

producer = KafkaProducer()


def send(event):
    producer.send("budgets", event)
""",
    }
    assert project(tmp_path, files) == set()


def test_follow_up_break_needs_a_message_that_can_carry_a_context(tmp_path):
    """CTX103 only where the consumed message can carry a context: some publish of the project to
    that topic sends one (here: injects), or none of the project's publishes goes there. When the
    project's only producer of the topic sends none, nothing is dropped: the relay is silent."""
    relay = """
from kafka import KafkaConsumer, KafkaProducer
from opentelemetry import trace

tracer = trace.get_tracer(__name__)
producer = KafkaProducer()


def relay():
    consumer = KafkaConsumer("orders")
    for record in consumer:
        producer.send("shipments", record.value, headers=[("kind", b"shipment")])
"""
    producer = """
from kafka import KafkaProducer
from opentelemetry import trace
from opentelemetry.propagate import inject

tracer = trace.get_tracer(__name__)
producer = KafkaProducer()


def place(order):
    with tracer.start_as_current_span("place"):
        headers = {}
        inject(headers)
        producer.send("orders", order, headers=[(k, v.encode()) for k, v in headers.items()])
"""
    plain = producer.replace("        headers = {}\n        inject(headers)\n", "        headers = {}\n")
    assert project(tmp_path / "a", {"relay.py": relay, "shop.py": producer}, select=("CTX103",)) \
        == {("relay.py", 11, "CTX103")}
    assert project(tmp_path / "b", {"relay.py": relay}, select=("CTX103",)) == {("relay.py", 11, "CTX103")}
    assert project(tmp_path / "c", {"relay.py": relay, "shop.py": plain}, select=("CTX103",)) == set()


NIGHTLY_REFRESH = """
from celery import shared_task
from kafka import KafkaProducer
from opentelemetry.instrumentation.celery import CeleryInstrumentor

CeleryInstrumentor().instrument()
producer = KafkaProducer()


@shared_task
def refresh(order_id):
    producer.send("refresh", str(order_id).encode())


@shared_task
def nightly():
    for order_id in range(3):
        refresh(order_id)
"""


def test_task_called_as_a_function_by_a_periodic_task_has_its_callers_context(tmp_path):
    """``refresh`` is a task nothing sends: the periodic ``nightly`` calls it as a plain function,
    so it runs where ``nightly`` runs (no context), not as a task sent from outside the project."""
    files = {
        "jobs/__init__.py": "",
        "jobs/tasks.py": NIGHTLY_REFRESH,
        "settings.py": 'CELERY_BEAT_SCHEDULE = {"nightly": {"task": "jobs.tasks.nightly", "schedule": 3600}}\n',
    }
    assert project(tmp_path, files) == set()
    write(tmp_path, {"settings.py": "CELERY_BEAT_SCHEDULE = {}\n"})
    assert project(tmp_path, {}) == {("jobs/tasks.py", 11, "CTX101")}


# ------------------------------------------------------------------ routes, hooks and methods
FASTAPI_GRPC_SERVICE = {
    "svc/main.py": """
from fastapi import FastAPI
from opentelemetry.instrumentation.grpc import GrpcInstrumentorServer

from grpc_service import TicketServicer
from producer import get_producer

GrpcInstrumentorServer().instrument()
app = FastAPI()


@app.post("/tickets")
async def create_ticket(body: dict):
    await get_producer().publish_ticket(body)


async def startup():
    await get_producer().publish_ticket({"hello": 1})


app.add_event_handler("startup", startup)
""",
    "svc/grpc_service.py": """
import grpc

from producer import get_producer


class TicketServicer:
    async def CreateTicket(self, request, context):
        await get_producer().publish_ticket(request)
""",
    "svc/producer.py": """
from aiokafka import AIOKafkaProducer


class KafkaTicketProducer:
    def __init__(self):
        self._producer = AIOKafkaProducer()

    async def publish_ticket(self, ticket):
        await self._producer.send_and_wait("tickets", ticket)  # error: CTX101


def get_producer():
    return KafkaTicketProducer()
""",
}


def test_a_route_counts_only_where_its_own_framework_is_traced(tmp_path):
    """Only the gRPC server is instrumented: the FastAPI route and the start-up hook run in no
    span; the gRPC method does. The publish is reached from the gRPC method through an object the
    file cannot type (``get_producer().publish_ticket``): the untyped call links them."""
    write(tmp_path, FASTAPI_GRPC_SERVICE)
    assert_fixture(tmp_path, ["CTX1"])
    found = lint_json(tmp_path, ("CTX1",), cwd=tmp_path)
    assert [r["message"] for r in found[0]["related"] if "context exists" in r["message"]] == [
        "a trace context exists here: reached from the gRPC method `TicketServicer.CreateTicket`, in a traced gRPC server"]


def test_an_untraced_route_and_a_startup_hook_have_no_context(tmp_path):
    files = dict(FASTAPI_GRPC_SERVICE)
    del files["svc/grpc_service.py"]
    files["svc/main.py"] = files["svc/main.py"].replace("from grpc_service import TicketServicer\n", "")
    files["svc/producer.py"] = files["svc/producer.py"].replace("  # error: CTX101", "")
    assert project(tmp_path, files) == set()


def test_a_method_called_on_an_untyped_object_is_linked_in_its_own_process_only(tmp_path):
    """``kafka_producer.publish_ticket(...)`` on an object the file cannot type calls the
    project's ``publish_ticket``; in a monorepo, another service's method of that name is not
    called by it. The traced service's untraced FastAPI route has no context, and the other
    service calls its own method only from a span-free loop."""
    files = {
        "ticket_service/main.py": """
from fastapi import FastAPI
from opentelemetry import trace

from producer import get_kafka_producer

app = FastAPI()


@app.post("/tickets")
async def create_ticket(body: dict):
    kafka_producer = await get_kafka_producer()
    await kafka_producer.publish_ticket(body)
""",
        "ticket_service/producer.py": """
from aiokafka import AIOKafkaProducer


class KafkaTicketProducer:
    def __init__(self):
        self._producer = AIOKafkaProducer()

    async def publish_ticket(self, ticket):
        await self._producer.send_and_wait("tickets", ticket)


async def get_kafka_producer():
    return KafkaTicketProducer()
""",
        "orchestrator/main.py": """
from opentelemetry import trace

from activities import Activities

tracer = trace.get_tracer(__name__)


def run(activities, ticket):
    with tracer.start_as_current_span("run"):
        activities.compensate(ticket)


if __name__ == "__main__":
    run(Activities(), {})
""",
        "orchestrator/activities.py": """
class Activities:
    def compensate(self, ticket):
        return ticket
""",
    }
    assert project(tmp_path, files) == set()


# ------------------------------------------------------------------ project wrappers of clients
PROXY_LIBRARY = {
    "libraries/obs/pyproject.toml": "[project]\nname = 'obs'\n",
    "libraries/obs/obs/__init__.py": "from .kafka import instrument_producer, configure_producer\n",
    "libraries/obs/obs/kafka.py": """
from confluent_kafka import Producer
from opentelemetry.propagate import inject


class InstrumentedProducer:
    def __init__(self, producer):
        self._producer = producer

    def produce(self, topic, value=None, headers=None):
        carrier = dict(headers or {})
        inject(carrier)
        self._producer.produce(topic, value=value, headers=list(carrier.items()))


def instrument_producer(producer, config=None):
    if config is None:
        return producer
    return InstrumentedProducer(producer)


def configure_producer(producer):
    producer.poll(0)
    return producer
""",
}


def test_a_client_replaced_by_a_project_proxy_is_not_reported(tmp_path):
    """``self.producer = instrument_producer(self.producer)`` (imported from a library of the
    monorepo that the service installs by name): the project function may return a proxy of its
    own, which injects. A function that only returns the client it was given changes nothing."""
    files = dict(PROXY_LIBRARY)
    files["services/api/app.py"] = """
from confluent_kafka import Producer
from opentelemetry import trace

from obs import configure_producer, instrument_producer

tracer = trace.get_tracer(__name__)


class Events:
    def __init__(self):
        self.producer = Producer({})
        self.producer = instrument_producer(self.producer, {})
        self.plain = Producer({})
        self.plain = configure_producer(self.plain)

    def send(self, value):
        with tracer.start_as_current_span("send"):
            producer_to_use = self.producer
            producer_to_use.produce("events", value=value)

    def send_plain(self, value):
        with tracer.start_as_current_span("send"):
            self.plain.produce("events", value=value)  # error: CTX101
"""
    write(tmp_path, files)
    assert_fixture(tmp_path, ["CTX1"])


def test_a_publish_handed_to_an_executor_loses_nothing_on_the_thread_unless_the_client_is_traced(tmp_path):
    """``run_in_executor(None, lambda: producer.produce(..., headers=carrier))``: the carrier was
    injected on the caller's thread; an uninstrumented client records nothing on the pool thread.
    With the client's instrumentation, its producer span there would start a new trace."""
    body = """
import asyncio

from confluent_kafka import Producer
from opentelemetry import trace
from opentelemetry.propagate import inject

tracer = trace.get_tracer(__name__)
producer = Producer({})


async def send(value):
    with tracer.start_as_current_span("send"):
        carrier = {}
        inject(carrier)
        headers = [(k, v.encode()) for k, v in carrier.items()]
        await asyncio.get_event_loop().run_in_executor(None, lambda: producer.produce("t", value=value, headers=headers))
"""
    assert project(tmp_path, {"app.py": body}, select=("CTX2",)) == set()
    traced = body.replace("tracer = trace", "ConfluentKafkaInstrumentor().instrument()\ntracer = trace").replace(
        "from opentelemetry.propagate import inject",
        "from opentelemetry.propagate import inject\n"
        "from opentelemetry.instrumentation.confluent_kafka import ConfluentKafkaInstrumentor")
    assert project(tmp_path, {"app.py": traced}, select=("CTX2",)) == {("app.py", 18, "CTX203")}


def test_a_task_the_project_never_sends_is_periodic_or_unused_where_the_project_sends_others(tmp_path):
    """The project sends ``notify`` itself, but never ``nightly`` (scheduled in django-celery-beat's
    database, or unused): ``nightly`` received no context, so ``refresh``, which it calls, has none
    to lose. The test above shows the same task in a project that sends none of its tasks."""
    files = {
        "jobs/__init__.py": "",
        "jobs/tasks.py": NIGHTLY_REFRESH + """

@shared_task
def notify(order_id):
    return order_id


def on_order(order_id):
    notify.delay(order_id)
""",
    }
    assert project(tmp_path, files) == set()



# ------------------------------------------------------------------ vendor SDKs that propagate
def test_logfire_configure_carries_the_context_into_executors_not_threads(tmp_path):
    """``logfire.configure()`` patches ``ThreadPoolExecutor.submit`` and
    ``ProcessPoolExecutor.submit`` in its process (``run_in_executor`` goes through them);
    ``threading.Thread`` stays uncovered, and so does a process that never configures it."""
    work = """
import asyncio
import threading
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

import logfire

pool = ThreadPoolExecutor()
procs = ProcessPoolExecutor()


def work(order_id):
    return order_id


async def checkout(order_id):
    with logfire.span("checkout"):
        pool.submit(work, order_id)
        procs.submit(work, order_id)
        await asyncio.get_running_loop().run_in_executor(None, work, order_id)
        threading.Thread(target=work, args=(order_id,)).start()
"""
    write(tmp_path, {
        "web/__init__.py": "", "web/work.py": work,
        "web/main.py": "import logfire\n\nfrom web.work import checkout  # noqa: F401\n\nlogfire.configure()\n",
        "cli/__init__.py": "", "cli/work.py": work,
        "cli/main.py": "from cli.work import checkout  # noqa: F401\n",
    })
    found = {(f["path"], f["line"], f["code"]) for f in lint_json(tmp_path, ("CTX2",), cwd=tmp_path)}
    assert found == {("web/work.py", 20, "CTX202"), ("cli/work.py", 20, "CTX202"), ("cli/work.py", 17, "CTX201"),
                     ("cli/work.py", 18, "CTX204"), ("cli/work.py", 19, "CTX203")}


SENTRY_APP = {
    "settings.py": """
import sentry_sdk

sentry_sdk.init(dsn="https://key@sentry.example/1", traces_sample_rate=1.0)
""",
    "app.py": """
import threading
from concurrent.futures import ThreadPoolExecutor

import sentry_sdk
from celery import shared_task

import settings  # noqa: F401

pool = ThreadPoolExecutor()


@shared_task
def sync(order_id):
    with sentry_sdk.start_span(op="sync"):
        return order_id


def work(order_id):
    with sentry_sdk.start_span(op="work"):
        return order_id


def checkout(order_id):
    with sentry_sdk.start_span(op="checkout"):
        sync.delay(order_id)
        threading.Thread(target=work, args=(order_id,)).start()
        pool.submit(work, order_id)  # error: CTX201
        with ThreadPoolExecutor() as local:
            local.submit(work, order_id)
        ThreadPoolExecutor(1).submit(work, order_id)
""",
}


@pytest.mark.parametrize("pinned, pool_covered", [("2.28.0", False), ("2.41.0", True)])
def test_sentry_as_the_tracing_system_propagates_into_tasks_threads_and_new_pools(tmp_path, pinned, pool_covered):
    """``sentry_sdk.init(traces_sample_rate=...)`` turns Sentry's Celery integration (trace headers
    on ``apply_async``) and Threading integration (scopes forked into ``Thread.start``) on; a pool
    made in the function starts its threads on its submits, so that covers it too; a long-lived
    pool's submits are covered from sentry-sdk 2.41.0, the version the requirements pin decides."""
    files = dict(SENTRY_APP, **{"requirements.txt": f"sentry-sdk=={pinned}\ncelery==5.4.0\n"})
    if pool_covered:
        files["app.py"] = files["app.py"].replace("  # error: CTX201", "")
    write(tmp_path, files)
    assert_fixture(tmp_path, ["CTX1", "CTX2"])


@pytest.mark.parametrize("pinned, covered", [("2.13.0", False), ("2.14.0", True)])
def test_sentry_wraps_send_task_from_2_14(tmp_path, pinned, covered):
    """sentry-sdk 2.14.0 patches ``Celery.send_task`` as well as ``apply_async``: a task sent by
    name from a Sentry span carries Sentry's trace from that version on."""
    files = dict(SENTRY_APP, **{"requirements.txt": f"sentry-sdk=={pinned}\ncelery==5.4.0\n"})
    files["app.py"] = files["app.py"].replace(
        "        sync.delay(order_id)\n",
        "        sync.delay(order_id)\n        celery_app.send_task(\"app.sync\", args=(order_id,))\n").replace(
        "from celery import shared_task\n", "from celery import Celery, shared_task\n\ncelery_app = Celery()\n")
    found = {(path, code) for path, _line, code in project(tmp_path, files, select=("CTX1",))}
    assert found == (set() if covered else {("app.py", "CTX101")})


def test_sentry_s_rq_integration_carries_its_trace_into_enqueued_jobs(tmp_path):
    """Sentry's RQ integration puts its trace headers in ``job.meta`` on every ``enqueue``; a job
    scheduled for later (``enqueue_in``) is enqueued by the scheduler, in no span."""
    files = {
        "settings.py": SENTRY_APP["settings.py"],
        "requirements.txt": "sentry-sdk==2.41.0\nrq==1.16.0\n",
        "jobs.py": """
from datetime import timedelta

import sentry_sdk
from redis import Redis
from rq import Queue

import settings  # noqa: F401

queue = Queue(connection=Redis())


def checkout(order_id):
    with sentry_sdk.start_span(op="checkout"):
        queue.enqueue("jobs.sync", order_id)
        queue.enqueue_in(timedelta(minutes=5), "jobs.sync", order_id)
""",
    }
    assert project(tmp_path, files, select=("CTX1",)) == {("jobs.py", 15, "CTX101")}


def test_sentry_without_tracing_propagates_nothing(tmp_path):
    files = dict(SENTRY_APP, **{"requirements.txt": "sentry-sdk==2.41.0\n"})
    files["settings.py"] = files["settings.py"].replace(", traces_sample_rate=1.0", "")
    assert project(tmp_path, files) == {("app.py", 25, "CTX101")}


def test_a_close_method_nothing_in_the_project_calls_runs_when_work_ends(tmp_path):
    """``BatchWriter.close()`` is called by a framework (a consumer strategy's shutdown, a context
    manager's exit): no request runs it. ``BatchWriter.write_batch``, equally uncalled, may be."""
    files = {"writer.py": KAFKA + """

class BatchWriter:
    def write_batch(self, rows):
        producer.send("rows", rows)  # error: CTX101

    def close(self):
        producer.send("commit-log", b"offsets")


def run():
    with tracer.start_as_current_span("run"):
        return 1
"""}
    write(tmp_path, files)
    assert_fixture(tmp_path, ["CTX1"])


def test_a_test_module_of_an_installed_app_does_not_join_its_process(tmp_path):
    """``INSTALLED_APPS = ["shop"]`` loads the app's modules, not its tests: an OpenTelemetry test
    beside them (``shop/otel_test.py``) does not make the process trace with OpenTelemetry, so
    Sentry's Celery integration still carries the view's trace."""
    files = {
        "requirements.txt": "sentry-sdk==2.41.0\ncelery==5.4.0\n",
        "manage.py": 'import os\n\nos.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings")\n',
        "shop/__init__.py": "",
        "shop/settings.py": SENTRY_APP["settings.py"] + '\nINSTALLED_APPS = ["shop"]\n',
        "shop/tasks.py": "from celery import shared_task\n\n\n@shared_task\ndef sync(order_id):\n    return order_id\n",
        "shop/views.py": """
import sentry_sdk

from shop.tasks import sync


def checkout(order_id):
    with sentry_sdk.start_span(op="checkout"):
        sync.delay(order_id)
""",
        "shop/otel_test.py": "from opentelemetry import trace\n\n\ndef test_tracer():\n    assert trace.get_tracer(__name__)\n",
    }
    assert project(tmp_path, files) == set()


def test_sentry_carries_its_own_trace_not_opentelemetrys(tmp_path):
    """The same application also traces with OpenTelemetry: Sentry's headers and forked scopes do
    not carry the OpenTelemetry context, so the Celery publish and the pools lose it."""
    files = dict(SENTRY_APP, **{"requirements.txt": "sentry-sdk==2.41.0\n"})
    files["app.py"] = files["app.py"].replace("import sentry_sdk\n", "import sentry_sdk\nfrom opentelemetry import trace\n", 1)
    found = project(tmp_path, files)
    assert ("app.py", 26, "CTX101") in found and ("app.py", 28, "CTX201") in found


def test_a_task_obtained_from_a_registry_accessor_is_published(tmp_path):
    """Pyramid's ``request.task(fn).delay()`` (a request method returning the Celery task of
    ``fn``), with tasks declared by the project's own ``task`` decorator that registers them with
    Celery, under ddtrace (whose Celery integration does not propagate by default): the view's
    publish starts a new trace; a script's does not lose anything."""
    files = {
        "shop/__init__.py": "",
        "shop/tasks.py": """
import venusian


def task(**kwargs):
    def deco(wrapped):
        def callback(scanner, name, wrapped):
            scanner.config.registry["celery.app"].task(**kwargs)(wrapped)
        venusian.attach(wrapped, callback)
        return wrapped
    return deco


def _get_task(celery_app, task_func):
    return celery_app.tasks[celery_app.gen_task_name(task_func.__name__, task_func.__module__)]
""",
        "shop/email.py": """
from shop.tasks import task


@task(bind=True, ignore_result=True)
def send_email(self, request, recipient):
    return recipient
""",
        "shop/views.py": """
import ddtrace
from pyramid.view import view_config

from shop.email import send_email

ddtrace.patch_all()


@view_config(route_name="signup")
def signup(request):
    request.task(send_email).delay("a@example.org")  # error: CTX101
    return {}
""",
        "scripts/resend.py": """
from shop.email import send_email


def main(config):
    config.task(send_email).delay("a@example.org")
""",
    }
    write(tmp_path, files)
    assert_fixture(tmp_path, ["CTX1"])


def test_evidence_names_the_origin_that_puts_the_line_in_the_main_process(tmp_path):
    """``refresh_book`` runs in a task (in the worker, where Celery is instrumented) and under a
    traced view (in the web process, where it is not): the finding is the web path's, and its
    evidence names the view, not the task."""
    files = {
        "shop/__init__.py": "",
        "shop/urls.py": """
from django.urls import path

from shop import views

urlpatterns = [path("book/<int:pk>", views.show_book)]
""",
        "shop/settings.py": 'ROOT_URLCONF = "shop.urls"\\n',
        "shop/instrument.py": """
from opentelemetry.instrumentation.django import DjangoInstrumentor

DjangoInstrumentor().instrument()
""",
        "shop/tasks.py": """
from celery import shared_task
from celery.signals import worker_process_init
from opentelemetry.instrumentation.celery import CeleryInstrumentor


@worker_process_init.connect
def setup(**kwargs):
    CeleryInstrumentor().instrument()


@shared_task
def load_more(book_id):
    return book_id


def refresh_book(book_id):
    load_more.delay(book_id)  # error: CTX101


@shared_task
def import_book(book_id):
    refresh_book(book_id)
""",
        "shop/views.py": """
from shop import instrument  # noqa: F401
from shop.tasks import import_book, refresh_book


def show_book(request, pk):
    refresh_book(pk)
    import_book.delay(pk)  # error: CTX101
""",
    }
    write(tmp_path, files)
    found = assert_fixture(tmp_path, ["CTX1"])
    evidence = [r["message"] for f in found if f["path"] == "shop/tasks.py" for r in f["related"]
                if "context exists" in r["message"]]
    assert evidence == ["a trace context exists here: reached from the view `show_book` (routed in shop.urls:5), "
                        "in a traced web process"]


@pytest.mark.parametrize("traced", [True, False])
def test_django_rest_framework_router_viewsets_are_views(tmp_path, traced):
    """``router.register(r"orders", OrderViewSet)`` routes the viewset's actions: they run in the
    request's span where Django is traced, and in none where it is not."""
    files = {
        "shop/__init__.py": "",
        "shop/urls.py": """
from rest_framework.routers import DefaultRouter

from shop import views

router = DefaultRouter()
router.register(r"orders", views.OrderViewSet, basename="order")
urlpatterns = router.urls
""",
        "shop/settings.py": 'ROOT_URLCONF = "shop.urls"\n',
        "shop/instrument.py": ("from opentelemetry.instrumentation.django import DjangoInstrumentor\n\n"
                               + ("DjangoInstrumentor().instrument()\n" if traced else "")),
        "shop/tasks.py": "from celery import shared_task\n\n\n@shared_task\ndef notify(pk):\n    return pk\n",
        "shop/views.py": """
from rest_framework import viewsets

from shop import instrument  # noqa: F401
from shop.tasks import notify


class OrderViewSet(viewsets.ModelViewSet):
    def create(self, request):
        notify.delay(1)
""",
    }
    write(tmp_path, files)
    found = {(f["path"], f["line"], f["confidence"]) for f in lint_json(tmp_path, ("CTX101",), cwd=tmp_path)}
    assert found == ({("shop/views.py", 9, "high")} if traced else set())


TEMPORAL_SERVICE = {
    "svc/activities.py": KAFKA + """
from temporalio import activity


@activity.defn
async def publish_ticket(ticket):
    producer.send("tickets", ticket)
""",
    "svc/workflows.py": """
from datetime import timedelta

from temporalio import workflow

from svc.activities import publish_ticket


@workflow.defn
class Orchestration:
    @workflow.run
    async def run(self, ticket):
        await workflow.execute_activity(publish_ticket, ticket, start_to_close_timeout=timedelta(seconds=5))
""",
    "svc/api.py": """
from opentelemetry import trace

from svc.workflows import Orchestration

tracer = trace.get_tracer(__name__)


async def start(client, ticket):
    with tracer.start_as_current_span("start"):
        await client.start_workflow(Orchestration.run, ticket, id="t", task_queue="q")
""",
}


def test_a_temporal_activity_has_a_context_only_through_temporals_tracing_interceptor(tmp_path):
    """The activity runs in a Temporal worker: the span around ``start_workflow`` reaches it only
    where the project uses Temporal's TracingInterceptor."""
    assert project(tmp_path, TEMPORAL_SERVICE) == set()
    files = dict(TEMPORAL_SERVICE)
    files["svc/worker.py"] = """
from temporalio.contrib.opentelemetry import TracingInterceptor

INTERCEPTORS = [TracingInterceptor()]
"""
    assert project(tmp_path, files) == {("svc/activities.py", 12, "CTX101")}


def test_a_helper_of_an_installed_monorepo_package_that_returns_injected_headers(tmp_path):
    """``libs/obs`` (with an ``__init__.py`` of its own, so the linter names its files
    ``obs.obs.context``) is installed by the services and imported as ``obs``: its helper returns
    the headers with the context injected, so the publish carries it; a plain copy does not."""
    files = {
        "libs/obs/__init__.py": "",
        "libs/obs/pyproject.toml": "[project]\nname = 'obs'\n",
        "libs/obs/obs/__init__.py": "from .context import ContextManager\n",
        "libs/obs/obs/context.py": """
from opentelemetry.propagate import inject


class ContextManager:
    def inject_http_headers(self, headers):
        new_headers = dict(headers)
        inject(new_headers)
        return new_headers

    def copy_headers(self, headers):
        return dict(headers)
""",
        "services/api/app.py": """
from confluent_kafka import Producer
from opentelemetry import trace

from obs import ContextManager

tracer = trace.get_tracer(__name__)
producer = Producer({})
context_manager = ContextManager()


def send(value):
    with tracer.start_as_current_span("send"):
        headers = context_manager.inject_http_headers({"kind": "order"})
        producer.produce("orders", value=value, headers=list(headers.items()))


def send_plain(value):
    with tracer.start_as_current_span("send"):
        headers = context_manager.copy_headers({"kind": "order"})
        producer.produce("orders", value=value, headers=list(headers.items()))  # error: CTX101
""",
    }
    write(tmp_path, files)
    assert_fixture(tmp_path, ["CTX1"])


def test_a_file_of_newer_syntax_is_judged_by_its_process_not_left_out_of_the_model(tmp_path):
    """``except A, B:`` (Python 3.14) is read by libcst but not by the CPython the linter runs on:
    the file's imports still place it in its processes, so a project with no tracing has no
    context to lose there, and a traced one gets the finding with medium confidence."""
    body = KAFKA.replace("from opentelemetry import trace\n", "").replace(
        "tracer = trace.get_tracer(__name__)\n", "") + """

def publish(value):
    try:
        producer.send("events", value)
    except ValueError, KeyError:
        pass
"""
    assert project(tmp_path, {"app/events.py": body}) == set()
    write(tmp_path, {"app/events.py": "from app import tracing  # noqa: F401\n" + body,
                     "app/tracing.py": "from opentelemetry import trace\n\ntracer = trace.get_tracer(__name__)\n"})
    found = lint_json(tmp_path, ("CTX1",), cwd=tmp_path)
    assert [(f["path"], f["line"], f["confidence"]) for f in found] == [("app/events.py", 10, "medium")]


def test_a_caller_of_newer_syntax_is_read_with_that_syntax_written_the_older_way(tmp_path):
    """The only caller of a helper is a file written with ``except A, B:`` (3.14) and PEP 695's
    ``type`` alias: CPython reads it once those are written the older way, so its calls are in the
    call graph. Called only from a management command, the helper has no context to lose; called
    inside a span, it has one."""
    caller = """
from app.events import publish

type Payload = dict[str, int]


def {name}(value):
    {line}
    try:
        publish(value)
    except ValueError, KeyError:
        pass
"""
    files = {
        "app/__init__.py": "",
        "app/events.py": KAFKA + '\n\ndef publish(value):\n    producer.send("events", value)\n',
        "app/management/__init__.py": "",
        "app/management/commands/__init__.py": "",
        "app/management/commands/sync.py": caller.format(name="handle", line="pass"),
    }
    assert project(tmp_path, files) == set()
    (tmp_path / "app/management/commands/sync.py").unlink()
    files = {"app/jobs.py": caller.format(name="run", line="from app.events import tracer\n"
                                                          "    span = tracer.start_span('run')")}
    assert project(tmp_path, files) == {("app/events.py", 9, "CTX101")}


def test_older_syntax_rewrites_only_what_the_running_python_cannot_read():
    from propagation_lint.program.summary import parse_python

    newer = dedent("""
        try:
            pass
        except ValueError, KeyError:
            pass
        except (OSError, TypeError) as exc:
            raise exc
        type Alias[T] = list[T]
        def first[T: (int, str), U = list[int]](items: list[T]) -> T:
            return items[0]
        class Box[T](Base[T]):
            async def get[V](self): pass
        x = {"type": 1}
    """)
    tree = parse_python(newer)
    assert tree is not None
    assert [type(n).__name__ for n in tree.body] == ["Try", "TypeAlias" if hasattr(__import__("ast"), "TypeAlias")
                                                     else "Assign", "FunctionDef", "ClassDef", "Assign"]
    assert [n.lineno for n in tree.body] == [2, 8, 9, 11, 13]
    assert parse_python("print(\n") is None  # a real syntax error stays one


DEAD_CODE_APP = {
    "Dockerfile": "FROM python:3.12\nCOPY . /srv\nCMD [\"python\", \"-m\", \"app.main\"]\n",
    "app/__init__.py": "",
    "app/setup.py": "",  # inside the package: it makes no library of it
    # the process starts spans: a context may reach what a framework calls inside one
    "app/main.py": "from opentelemetry import trace\n\nfrom app import events  # noqa: F401\n\n\n"
                   "def handle(request):\n    with trace.get_tracer(__name__).start_as_current_span(\"handle\"):\n"
                   "        return request\n",
    "app/events.py": "import threading\n" + KAFKA + """

def on_created(value):
    producer.send("events", value)  # error: CTX101


def rebuild_search_index(value):
    producer.send("events", value)


class Exporter(object):
    def export_rows(self, value):
        self._flush(value)

    def _flush(self, value):
        producer.send("events", value)


class Sender(threading.Thread):
    def run(self):  # Thread.start runs it: a hook of the standard library's base
        producer.send("events", 1)  # error: CTX101


class Resender(threading.Thread):
    def run(self):  # but nothing makes a Resender: no object, no thread
        producer.send("events", 2)


class Proxy:  # nothing makes one: its methods, and the functions they make, never run
    def __getattr__(self, name):
        def wrapper(value):
            producer.send(name, value)
        return wrapper


HANDLERS = {"created": on_created, "sender": Sender}


def drain_outbox(value):
    producer.send("events", value)


def describe():
    '''Named only here: drain_outbox is no longer called.'''  # nor here: drain_outbox


class Archiver:
    def archive(self, value):
        return value

    @staticmethod
    def _resend_all(value):  # (`@staticmethod` registers it with nothing: no code names it)
        producer.send("events", value)
""",
    # a module nothing imports: something may load it by name (a server's `module:app`)
    "app/broker.py": KAFKA + """

def publish_order(value):
    producer.send("orders", value)  # error: CTX101
""",
    "lib/pyproject.toml": "[build-system]\nrequires = [\"hatchling\"]\n\n[project]\nname = \"shoplib\"\n",
    "lib/shoplib/__init__.py": "",
    "lib/shoplib/api.py": KAFKA + """

def emit_event(value):
    producer.send("events", value)  # error: CTX101
""",
}


def test_code_an_application_never_names_is_not_run_but_a_library_api_may_be(tmp_path):
    """Below a Dockerfile, a function no code of the project calls or names (and no decorator
    registers) is dead, also when a docstring or a comment names it: it loses no context. One
    named in a table is called by whoever reads the
    table; one in a module nothing imports may be loaded by name; a library's function nothing
    calls is its API (medium confidence)."""
    write(tmp_path, DEAD_CODE_APP)
    assert_fixture(tmp_path, ["CTX1"])
    (tmp_path / "Dockerfile").unlink()  # no longer an application: its uncalled code may be API
    found = project(tmp_path, {})
    assert {line for path, line, code in found if path == "app/events.py" and code == "CTX101"} == {11, 15, 23, 28, 33, 39, 47, 60}


def test_dead_code_only_tests_name_or_another_function_of_the_same_name_shadows(tmp_path):
    """A function only tests call, or whose name the project uses only for another function of
    that name (the view imports ``gateway.utils.batch_process``, not ``jobs.batch_process``), is
    dead below a Dockerfile, also when a ``pyproject.toml`` that builds nothing (dependencies for
    uv, no ``[build-system]``) sits nearer; one with a ``[build-system]`` packages a library."""
    files = {
        "Dockerfile": "FROM python:3.12\nCOPY backend /srv\nCMD [\"python\", \"-m\", \"app.main\"]\n",
        "backend/pyproject.toml": "[project]\nname = \"backend\"\ndependencies = [\"kafka-python\"]\n",
        "backend/app/__init__.py": "",
        "backend/app/main.py": "from opentelemetry import trace\n\nfrom app import jobs, views  # noqa: F401\n\n\n"
                               "def handle(request):\n    with trace.get_tracer(__name__).start_as_current_span(\"h\"):\n"
                               "        return request\n",
        "backend/app/utils.py": "def batch_process(items):\n    return list(items)\n",
        "backend/app/views.py": "from app.utils import batch_process\n\n\ndef index(request):\n"
                                "    return batch_process(request)\n",
        "backend/app/jobs.py": KAFKA + """

def batch_process(items):
    producer.send("jobs", items)


def only_tested(items):
    producer.send("jobs", items)


def named_in_a_table(items):
    producer.send("jobs", items)  # error: CTX101


TABLE = [named_in_a_table]
""",
        "backend/tests/test_jobs.py": "from app.jobs import only_tested\n\n\ndef test_it():\n    only_tested([1])\n",
    }
    write(tmp_path, files)
    assert_fixture(tmp_path, ["CTX1"])
    (tmp_path / "backend/pyproject.toml").write_text("[build-system]\nrequires = [\"hatchling\"]\n\n"
                                                      "[project]\nname = \"backend\"\n")
    found = project(tmp_path, {}, select=("CTX1",))
    assert found == {("backend/app/jobs.py", line, "CTX101") for line in (9, 13, 17)}


def test_the_deployment_file_may_sit_above_every_python_file(tmp_path):
    """The Dockerfile at the repository's top deploys the code under ``svc/app/``: dead code there
    is an application's, although no Python file sits beside the Dockerfile."""
    files = {
        "Dockerfile": "FROM python:3.12\nCMD [\"python\", \"-m\", \"app.main\"]\n",
        "svc/app/__init__.py": "",
        "svc/app/main.py": "from app import events  # noqa: F401\n",
        "svc/app/events.py": KAFKA + '\n\ndef rebuild_search_index(value):\n    producer.send("events", value)\n',
    }
    assert project(tmp_path, files, select=("CTX1",)) == set()


def test_a_repository_directory_that_is_no_identifier_is_no_package(tmp_path):
    """``bk-app/__init__.py`` at a repository's top: Python imports its code as ``apps.jobs``, never
    ``bk-app.apps.jobs``, so the command that imports ``apps.jobs`` is the helper's caller."""
    root = tmp_path / "bk-app"
    write(root, {
        "__init__.py": "",
        "apps/__init__.py": "",
        "apps/jobs.py": KAFKA + '\n\ndef publish(value):\n    producer.send("events", value)\n',
        "apps/management/__init__.py": "",
        "apps/management/commands/__init__.py": "",
        "apps/management/commands/sync.py": """
from django.core.management.base import BaseCommand

from apps.jobs import publish


class Command(BaseCommand):
    def handle(self, *args, **options):
        publish(1)
""",
    })
    assert lint_json(root, ("CTX1",), cwd=root) == []


def test_a_task_handed_to_a_helper_as_a_value_is_published_by_the_helper(tmp_path):
    """``retry_as_task(tasks.sync, 1)``: the helper's ``function.delay()`` publishes whatever task
    its callers hand it, inside their span; a helper handed only plain functions publishes none."""
    write(tmp_path, {
        "shop/__init__.py": "",
        "shop/tasks.py": """
from celery import shared_task


@shared_task
def sync(order_id):
    return order_id
""",
        "shop/helpers.py": """
def retry_as_task(function, *args):
    try:
        function(*args)
    except Exception:
        function.delay(*args)  # error: CTX101


def later(callback, *args):
    callback.delay(*args)
""",
        "shop/views.py": """
from opentelemetry import trace

from shop import tasks
from shop.helpers import later, retry_as_task

tracer = trace.get_tracer(__name__)


def checkout(order_id):
    with tracer.start_as_current_span("checkout"):
        retry_as_task(tasks.sync, order_id)
        later(print, order_id)
""",
    })
    found = assert_fixture(tmp_path, ["CTX1"])
    evidence = [(e["path"], e["line"], e["message"]) for f in found for e in f["related"]]
    assert ("shop/views.py", 11, "`retry_as_task` is handed the task `sync` here") in evidence


def test_logfire_spans_and_instrumentations(tmp_path):
    """Logfire is OpenTelemetry: ``logfire.span(...)`` and ``@logfire.instrument(...)`` start spans,
    ``logfire.instrument_fastapi(app)`` traces the routes; another object's ``span``/``instrument``
    starts nothing (an instrumentor's ``instrument()`` is no span)."""
    write(tmp_path, {
        "svc/__init__.py": "",
        "svc/app.py": """
import logfire
from fastapi import FastAPI
from kafka import KafkaProducer

app = FastAPI()
logfire.configure()
logfire.instrument_fastapi(app)
producer = KafkaProducer()


@app.post("/orders")
def create_order():
    producer.send("orders", b"1")  # error: CTX101


@logfire.instrument("refund {order_id}")
def refund(order_id):
    producer.send("refunds", b"1")  # error: CTX101


def cancel(order_id):
    with logfire.span("cancel {order_id}", order_id=order_id):
        producer.send("cancels", b"1")  # error: CTX101


def other(ruler):
    ruler.span(1)
    ruler.instrument()
    producer.send("others", b"1")  # error: CTX101
""",
    })
    found = assert_fixture(tmp_path, ["CTX1"])
    assert not any("`other` starts a span" in e["message"] for f in found for e in f["related"])
    origins = sorted(e["message"] for f in found for e in f["related"] if "context exists" in e["message"])
    assert origins == ["a trace context exists here: `cancel` starts a span",
                       "a trace context exists here: `refund` starts a span",
                       "a trace context exists here: the route `create_order`"]


NEWRELIC_SHOP = {
    "Procfile": "web: newrelic-admin run-program gunicorn shop.wsgi\n"
                "worker: newrelic-admin run-program celery -A shop worker\n",
    "shop/__init__.py": "",
    "shop/settings.py": 'ROOT_URLCONF = "shop.urls"\n',
    "shop/urls.py": """
from django.urls import path

from shop import views

urlpatterns = [path("checkout", views.checkout)]
""",
    "shop/tasks.py": """
from celery import shared_task


@shared_task
def send_receipt(order_id):
    return order_id
""",
    "shop/views.py": """
from shop.tasks import send_receipt


def checkout(request):
    send_receipt.delay(1)  # error: CTX101
""",
}


@pytest.mark.parametrize("pinned, propagates", [("8.8.0", False), ("9.9.0", True)])
def test_new_relics_agent_traces_requests_and_tasks_and_propagates_from_9_9(tmp_path, pinned, propagates):
    """``newrelic-admin run-program`` records the Django request and the Celery task as
    transactions; the agent puts its headers into Celery messages only from 9.9.0."""
    files = dict(NEWRELIC_SHOP, **{"requirements.txt": f"newrelic=={pinned}\ncelery==5.4.0\ndjango==5.0\n"})
    if propagates:
        files["shop/views.py"] = files["shop/views.py"].replace("  # error: CTX101", "")
    write(tmp_path, files)
    assert_fixture(tmp_path, ["CTX1"])


def test_a_django_app_in_installed_apps_that_instruments_counts_in_its_processes(tmp_path):
    """``blueapps.opentelemetry.instrument_app`` in INSTALLED_APPS instruments Django, Celery,
    requests and Redis when the app is ready: the web process traces its views (a thread hand-off
    there loses the context) and Celery publishes carry it."""
    files = {
        "config/__init__.py": "",
        "config/default.py": 'ROOT_URLCONF = "shop.urls"\nINSTALLED_APPS = ["django.contrib.auth", '
                             '"blueapps.opentelemetry.instrument_app", "shop"]\n',
        "manage.py": 'import os\n\nif __name__ == "__main__":\n'
                     '    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.default")\n',
        "shop/__init__.py": "",
        "shop/urls.py": """
from django.urls import path

from shop import views

urlpatterns = [path("sync", views.sync)]
""",
        "shop/tasks.py": """
import requests
from celery import shared_task


@shared_task
def refresh(host):
    return requests.get(host)
""",
        "shop/views.py": """
from concurrent.futures import ThreadPoolExecutor

import requests

from shop.tasks import refresh

POOL = ThreadPoolExecutor()


def sync(request):
    refresh.delay("a")
    POOL.submit(requests.get, "https://example.org")  # error: CTX201
""",
    }
    write(tmp_path, files)
    assert_fixture(tmp_path, ["CTX1", "CTX2"])


def _django_shop(hook_extra=""):
    return {
        "config/__init__.py": "",
        "config/settings.py": 'ROOT_URLCONF = "shop.urls"\nINSTALLED_APPS = ["django.contrib.admin", "shop"]\n',
        "manage.py": 'import os\n\nif __name__ == "__main__":\n'
                     '    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")\n',
        "shop/__init__.py": "",
        "shop/base.py": """
from django.db import models


class Timestamped(models.Model):
    class Meta:
        abstract = True
""",
        "shop/models.py": """
from django.db.models.signals import post_save
from django.dispatch import receiver

from shop.base import Timestamped
from shop.tasks import index, notify


class Order(Timestamped):
    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        index.delay(self.pk)  # MODEL


@receiver(post_save, sender=Order)
def order_saved(sender, instance, **kwargs):
    notify.delay(instance.pk)  # RECEIVER
""",
        "shop/admin.py": """
from django.contrib import admin

from shop.models import Order
from shop.tasks import index


def reindex(modeladmin, request, queryset):
    for order in queryset:
        index.delay(order.pk)  # ACTION


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    actions = [reindex]
""",
        "shop/tasks.py": """
from celery import shared_task
from opentelemetry import trace

tracer = trace.get_tracer(__name__)


@shared_task
def index(pk):
    with tracer.start_as_current_span("index"):
        return pk


@shared_task
def notify(pk):
    with tracer.start_as_current_span("notify"):
        return pk
""",
        "shop/urls.py": """
from django.urls import path

from shop import views

urlpatterns = [path("export", views.export)]
""",
        "shop/views.py": """
import requests
from opentelemetry import trace

tracer = trace.get_tracer(__name__)


def export(request):
    with tracer.start_as_current_span("export"):
        requests.post("https://example.org/export")
""" + hook_extra,
    }


@pytest.mark.parametrize("variant", ["untraced", "span-saves", "django-traced"])
def test_django_model_hooks_receivers_and_admin_actions_run_in_the_context_of_whoever_saves(tmp_path, variant):
    """A model's ``save`` override, a ``post_save`` receiver and an admin action run inside the
    request, task or command that saves the model (or runs the action). In a process that traces
    neither Django's requests nor its tasks, and where the project's only span saves nothing,
    they have no context: their publishes are not reported. Where a span of the project saves an
    order, or Django's requests are traced, they may run in one: reported."""
    extra = ""
    if variant == "span-saves":
        extra = """

def checkout(request):
    from shop.models import Order
    with tracer.start_as_current_span("checkout"):
        Order.objects.create(total=1)
"""
    files = _django_shop(extra)
    if variant == "django-traced":
        files["config/settings.py"] += ("from opentelemetry.instrumentation.django import DjangoInstrumentor\n\n"
                                        "DjangoInstrumentor().instrument()\n")
    found = project(tmp_path, files, select=("CTX1",))
    reported = {(path, line) for path, line, _code in found}
    expected = set() if variant == "untraced" else {("shop/models.py", 11), ("shop/models.py", 16), ("shop/admin.py", 9)}
    assert reported == expected


def test_new_relics_pika_hook_carries_the_context_in_the_message_properties(tmp_path):
    files = {"client.py": """
import newrelic.agent
import pika

newrelic.agent.initialize("newrelic.ini")
channel = pika.BlockingConnection().channel()


@newrelic.agent.background_task()
def call(n):
    channel.basic_publish(exchange="", routing_key="rpc_queue", body=str(n))
"""}
    assert project(tmp_path, files) == set()
    files["client.py"] = files["client.py"].replace('newrelic.agent.initialize("newrelic.ini")\n', "")
    files["client.py"] = files["client.py"].replace("import pika\n", "import pika\nfrom opentelemetry import trace\n")
    files["client.py"] = files["client.py"].replace("@newrelic.agent.background_task()\n", "")
    files["client.py"] = files["client.py"].replace("def call(n):\n", "def call(n):\n    with trace.get_tracer(__name__).start_as_current_span('call'):\n    ")
    write(tmp_path, files)
    assert ("client.py", 10, "CTX101") in project(tmp_path, {})


UNTRACED_APP = {
    "Dockerfile": "FROM python:3.12\nCMD [\"python\", \"-m\", \"app.main\"]\n",
    "app/__init__.py": "",
    "app/main.py": "from app import consumer, events  # noqa: F401\n",
    "app/events.py": KAFKA + """

def on_created(value):
    producer.send("events", value)


HANDLERS = {"created": on_created}
""",
    "app/consumer.py": """
from wsframework import JsonConsumer

from app.orchestrator import get_orchestrator


class ChatConsumer(JsonConsumer):
    async def receive_json(self, content):
        await self._handle_chat(content)

    async def _handle_chat(self, content):
        get_orchestrator().stream_turn(content)
""",
    "app/orchestrator.py": KAFKA + """

class Orchestrator:
    def stream_turn(self, value):
        self._store_turn(value)

    def _store_turn(self, value):
        producer.send("turns", value)


def get_orchestrator():
    return Orchestrator()
""",
}


def test_an_application_process_with_no_span_and_no_instrumentation_has_no_context(tmp_path):
    """The process imports OpenTelemetry but starts no span and instruments nothing: whatever
    framework calls its functions, no trace context exists there to lose. A span started anywhere
    in the process (a framework may be called inside it), an instrumentation, or a library's API
    (its users may call it in a span) makes the uncalled functions unknown again."""
    write(tmp_path, UNTRACED_APP)
    assert lint_json(tmp_path, ("CTX1",), cwd=tmp_path) == []
    (tmp_path / "app/boot.py").write_text(
        "from opentelemetry import trace\n\nfrom app import main  # noqa: F401\n\n\n"
        "def handle(request):\n    with trace.get_tracer(__name__).start_as_current_span(\"handle\"):\n"
        "        return request\n")
    found = {(f["path"], f["line"]) for f in lint_json(tmp_path, ("CTX1",), cwd=tmp_path)}
    assert found == {("app/events.py", 9), ("app/orchestrator.py", 13)}
    (tmp_path / "app/boot.py").unlink()
    (tmp_path / "Dockerfile").unlink()
    (tmp_path / "pyproject.toml").write_text("[project]\nname = \"app\"\n")
    found = {(f["path"], f["line"]) for f in lint_json(tmp_path, ("CTX1",), cwd=tmp_path)}
    assert found == {("app/events.py", 9), ("app/orchestrator.py", 13)}


def test_a_caller_in_the_same_file_is_read_with_the_function_it_calls(tmp_path):
    """``receive_json`` calls ``self._handle_chat()``, which calls the helper that publishes: the
    evidence names the framework's entry point, not a method the project does call."""
    write(tmp_path, UNTRACED_APP)
    (tmp_path / "app/boot.py").write_text(
        "from opentelemetry import trace\n\nfrom app import main  # noqa: F401\n\n\n"
        "def handle(request):\n    with trace.get_tracer(__name__).start_as_current_span(\"handle\"):\n"
        "        return request\n")
    found = [f for f in lint_json(tmp_path, ("CTX1",), cwd=tmp_path) if f["path"] == "app/orchestrator.py"]
    assert len(found) == 1
    notes = " ".join(r["message"] for r in found[0]["related"])
    assert "nothing in the project calls `ChatConsumer.receive_json`, which reaches `Orchestrator._store_turn`" in notes


def test_a_follow_up_event_loses_the_message_context_whoever_starts_the_loop(tmp_path):
    """The consume loop is started by ``main()`` at start-up, where no context exists: the
    follow-up publish still drops the context of the message it handles (CTX103), which the
    loop's caller never had to give."""
    files = {
        "Dockerfile": "FROM python:3.12\nCMD [\"python\", \"-m\", \"svc.main\"]\n",
        "svc/__init__.py": "",
        "svc/main.py": """
from kafka import KafkaConsumer, KafkaProducer
from opentelemetry.instrumentation.kafka import KafkaInstrumentor

KafkaInstrumentor().instrument()
consumer = KafkaConsumer("orders")
producer = KafkaProducer()


def listen():
    for message in consumer:
        producer.send("shipments", message.value)  # error: CTX103


def main():
    listen()


if __name__ == "__main__":
    main()
""",
    }
    write(tmp_path, files)
    assert_fixture(tmp_path, ["CTX103"])


def test_an_instrument_call_in_a_shared_function_covers_the_processes_that_call_it(tmp_path):
    """``instrument_kafka()`` lives in a module both services import (through the namespace
    package ``corp``, which has no ``__init__.py``), but only billing's start-up calls it:
    shipping's publishes are not instrumented, billing's are."""
    write(tmp_path, {
        "src/corp/obs/__init__.py": "",
        "src/corp/obs/otel.py": """
from opentelemetry import trace
from opentelemetry.instrumentation.kafka import KafkaInstrumentor

tracer = trace.get_tracer("corp")


def instrument_kafka():
    KafkaInstrumentor().instrument()
""",
        "src/corp/billing/__init__.py": "",
        "src/corp/billing/main.py": """
from kafka import KafkaProducer

from corp.obs.otel import tracer

producer = KafkaProducer()


def charge(value):
    with tracer.start_as_current_span("charge"):
        producer.send("charges", value)
""",
        # the start-up holds no candidate: its calls are read because the instrument() call's are
        "src/corp/billing/boot.py": """
from corp.billing import main  # noqa: F401
from corp.obs.otel import instrument_kafka


def start():
    instrument_kafka()


if __name__ == "__main__":
    start()
""",
        "src/corp/shipping/__init__.py": "",
        "src/corp/shipping/main.py": """
from kafka import KafkaProducer

from corp.obs.otel import tracer

producer = KafkaProducer()


def ship(value):
    with tracer.start_as_current_span("ship"):
        producer.send("shipments", value)  # error: CTX101


if __name__ == "__main__":
    ship(1)
""",
    })
    assert_fixture(tmp_path, ["CTX101"])


def test_alembic_revisions_run_without_a_context(tmp_path):
    """``alembic/versions/*.py`` (and ``migrations/versions/``) run from ``alembic upgrade``, like
    Django migrations: their publishes lose nothing; the same code elsewhere may."""
    body = KAFKA + '\n\ndef upgrade():\n    producer.send("schema", b"v2")\n'
    write(tmp_path, {
        "svc/__init__.py": "",
        "svc/models/alembic/versions/1d42c726d8a3_add_registry.py": body,
        "svc/migrations/versions/0002_rename.py": body,
        "svc/upgrades.py": body,
    })
    found = {(f["path"], f["line"]) for f in lint_json(tmp_path, ("CTX101",), cwd=tmp_path)}
    assert found == {("svc/upgrades.py", 9)}


def test_command_line_commands_registered_by_a_decorator_have_no_context(tmp_path):
    """typer's ``@app.command()``, click's ``@cli.command()`` and Flask's ``@bp.cli.command()``
    run in a one-shot process, like a management command; an undecorated function nothing calls
    may still be called in a span."""
    tail = '\n\ndef publish(value):\n    producer.send("events", value)\n'
    write(tmp_path, {
        "tools/__init__.py": "",
        "tools/typer_cli.py": KAFKA + "import typer\n\napp = typer.Typer()\n\n\n@app.command()\n"
                              "def resend(barcode: str):\n    producer.send(\"events\", barcode)\n",
        "tools/click_cli.py": KAFKA + "import click\n\n\n@click.group()\ndef cli():\n    pass\n\n\n"
                              "@cli.command()\ndef resend():\n    producer.send(\"events\", b\"x\")\n",
        "tools/flask_cli.py": KAFKA + "from flask import Blueprint\n\nbp = Blueprint(\"jobs\", __name__)\n\n\n"
                              "@bp.cli.command(\"resend\")\ndef resend():\n    producer.send(\"events\", b\"x\")\n",
        "tools/api.py": KAFKA + tail,
    })
    found = {(f["path"], f["line"]) for f in lint_json(tmp_path, ("CTX101",), cwd=tmp_path)}
    assert found == {("tools/api.py", 9)}


def test_callers_of_a_method_are_found_through_untyped_objects_of_its_class(tmp_path):
    """The thread starts below ``SessionImpl.create()``, called by ``SessionManager.create_session``,
    which only a command calls, on an object the command cannot type
    (``runner.manager.create_session()``): the command's process starts with no context."""
    write(tmp_path, {
        "shop/__init__.py": "",
        "shop/kernel.py": ("import threading\n\nfrom opentelemetry import trace  # noqa: F401\n\n\n"
                           "class Kernel:\n    def start_kernel(self):\n"
                           "        threading.Thread(target=print).start()\n"),
        "shop/session.py": ("from shop.kernel import Kernel\n\n\nclass SessionImpl:\n"
                            "    def __init__(self, kernel_manager):\n        kernel_manager.start_kernel()\n\n"
                            "    @classmethod\n    def create(cls):\n        return cls(Kernel())\n"),
        "shop/manager.py": ("from shop.session import SessionImpl\n\n\nclass SessionManager:\n"
                            "    def create_session(self):\n        return SessionImpl.create()\n"),
        "shop/cli.py": ("import click\n\nfrom shop.manager import SessionManager  # noqa: F401\n"
                        "from shop.runner import make_runner\n\n\n@click.command()\n"
                        "def preview():\n    make_runner().manager.create_session()\n"),
        "shop/runner.py": "def make_runner():\n    return None\n",
    })
    found = {(f["path"], f["line"]) for f in lint_json(tmp_path, ("CTX2",), cwd=tmp_path)}
    assert found == set()


def test_methods_of_objects_made_only_at_start_up_run_without_a_context(tmp_path):
    """Nothing the linter can follow calls ``Consumer.poll`` (the loop holding the object calls it
    as ``self.consumer.poll()``); the project makes consumers only in its start-up function, so no
    context reaches the pool. A class whose objects a span also makes may be used in it."""
    body = """
import threading

from opentelemetry import trace


class {cls}:
    def poll(self):
        threading.Thread(target=print).start()


class Loop:
    def __init__(self, consumer):
        self.consumer = consumer

    def run(self):
        while True:
            self.consumer.poll()
"""
    write(tmp_path, {
        "pyproject.toml": "[build-system]\nrequires = [\"hatchling\"]\n\n[project]\nname = \"svc\"\n",
        "svc/__init__.py": "",
        "svc/quiet.py": body.format(cls="Consumer") + "\n\ndef main():\n    Loop(Consumer()).run()\n",
        "svc/traced.py": body.format(cls="Reader") + ("\n\ndef handle():\n"
                                                       "    with trace.get_tracer(__name__).start_as_current_span(\"h\"):\n"
                                                       "        Loop(Reader()).run()\n\n\ndef main():\n    Loop(Reader()).run()\n"),
        "svc/__main__.py": "from svc import quiet, traced\n\nif __name__ == \"__main__\":\n    quiet.main()\n    traced.main()\n",
    })
    found = {(f["path"], f["line"]) for f in lint_json(tmp_path, ("CTX2",), cwd=tmp_path)}
    assert found == {("svc/traced.py", 8)}


def test_functions_in_a_table_a_function_builds_run_where_it_runs(tmp_path):
    """``main`` dispatches the commands of the table it builds (``{"function": run_cli}``); a
    start-up routine runs the steps it lists (``[self._ensure_roles]``): they run where the
    builder runs (here a script's start, no context), not as API nothing calls."""
    write(tmp_path, {
        "pyproject.toml": "[build-system]\nrequires = [\"hatchling\"]\n\n[project]\nname = \"tool\"\n",
        "tool/__init__.py": "",
        "tool/cli.py": """
import sys
import threading

from opentelemetry import trace  # noqa: F401


def run_cli(args):
    threading.Thread(target=print, args=(args,)).start()


def lint_cli(args):
    threading.Thread(target=print, args=(args,)).start()


class Facilitator:
    def _ensure_roles(self):
        threading.Thread(target=print).start()

    def start(self):
        for step in [self._ensure_roles]:
            step()


def main():
    commands = [{"command": "run", "function": run_cli}]
    for command in commands:
        if command["command"] == sys.argv[1]:
            command["function"](sys.argv[2:])
    facilitator = Facilitator()
    facilitator.start()


if __name__ == "__main__":
    main()
""",
    })
    found = {(f["path"], f["line"]) for f in lint_json(tmp_path, ("CTX2",), cwd=tmp_path)}
    assert found == {("tool/cli.py", 12)}  # lint_cli: nothing calls it, it may run with a context


def test_argparse_commands_have_no_context(tmp_path):
    """``sub.set_defaults(func=serve)`` makes ``serve`` an argparse command, dispatched by
    ``args.func(args)``: it runs in a process of its own, started with no context; the same
    function handed to any other call is judged by that caller."""
    write(tmp_path, {
        "tools/__init__.py": "",
        "tools/serve.py": KAFKA + """
import argparse


def serve(args):
    producer.send("events", b"started")


def report(args):
    producer.send("events", b"report")  # error: CTX101


def register(subparsers):
    sub = subparsers.add_parser("serve")
    sub.set_defaults(func=serve)
    other = subparsers.add_parser("report")
    other.add_callback(report)
""",
    })
    found = {(f["path"], f["line"]) for f in lint_json(tmp_path, ("CTX101",), cwd=tmp_path)}
    assert found == {("tools/serve.py", 15)}


def test_start_up_code_of_scripts_and_application_factories_has_no_context(tmp_path):
    """A function defined in a ``__main__`` block, one the block hands to other code
    (``Process(target=...)``, a table of entry points) and what an application factory nothing
    in the project calls sets up all run as a process starts: no context. The same function
    handed over elsewhere, or a factory the project calls, is judged by its callers."""
    write(tmp_path, {
        "svc/__init__.py": "",
        "svc/jobs.py": "import threading\n\n\ndef watch():\n    pass\n\n\n"
                       "def start_watcher():\n    threading.Thread(target=watch).start()\n\n\n"
                       "def start_reporter():\n    threading.Thread(target=watch).start()  # error: CTX202\n\n\n"
                       "def start_worker():\n    threading.Thread(target=watch).start()\n",
        "svc/app.py": "from opentelemetry import trace\n\nfrom svc.jobs import start_reporter, start_watcher\n\n\n"
                      "def create_app():\n    start_watcher()\n    return object()\n\n\n"
                      "def handle():\n    with trace.get_tracer(__name__).start_as_current_span(\"handle\"):\n"
                      "        start_reporter()\n",
        "svc/__main__.py": """
import multiprocessing
import threading

from opentelemetry import trace

from svc.jobs import start_reporter, start_worker, watch


def serve():
    start_reporter()


if __name__ == "__main__":
    def run_api():
        threading.Thread(target=watch).start()

    threading.Thread(target=run_api).start()
    for target in (serve, start_reporter):
        multiprocessing.Process(target=target).start()
    multiprocessing.Process(target=start_worker).start()
""",
    })
    assert_fixture(tmp_path, ["CTX202"])


def test_a_span_processor_subclass_thread_is_tracing_machinery(tmp_path):
    """The project's ``BatchSpanProcessor`` subclass starts its export thread lazily: that thread
    exports spans, it carries no application context. A project thread beside it is judged."""
    write(tmp_path, {
        "app/__init__.py": "",
        "app/tracing.py": """
import threading

from opentelemetry import trace
from opentelemetry.sdk.trace.export import BatchSpanProcessor

tracer = trace.get_tracer(__name__)


class LazyBatchSpanProcessor(BatchSpanProcessor):
    def on_end(self, span):
        if self.worker_thread is None:
            self.worker_thread = threading.Thread(target=self.worker, daemon=True)
            self.worker_thread.start()
        super().on_end(span)


class Reporter:
    def report(self, value):
        with tracer.start_as_current_span("report"):
            threading.Thread(target=print, args=(value,)).start()  # error: CTX202
""",
    })
    assert_fixture(tmp_path, ["CTX202"])


def test_a_metrics_collector_runs_when_scraped_not_in_a_request(tmp_path):
    """prometheus_client calls a custom collector's ``collect`` when the registry is scraped (its
    own HTTP server thread): a pool there loses no request's context, also through a project base
    class. The same pool in an uncalled method of another class may run in a span."""
    body = """
from concurrent.futures import ThreadPoolExecutor

from opentelemetry import trace
from prometheus_client.registry import Collector


class CachedCollector(Collector):
    def collect(self):
        with ThreadPoolExecutor(2) as pool:
            return list(pool.map(str, [1, 2]))


class QueueDepthCollector(CachedCollector):
    def collect(self):
        with ThreadPoolExecutor(2) as pool:
            return list(pool.map(str, [1, 2]))


class Report:
    def collect(self):
        with ThreadPoolExecutor(2) as pool:
            return list(pool.map(str, [1, 2]))  # error: CTX201
"""
    write(tmp_path, {"app/__init__.py": "", "app/metrics.py": body})
    assert_fixture(tmp_path, ["CTX201"])
