"""A generated project of many modules, for the map's scale tests: services of packages whose
modules publish to Kafka (with and without the context), consume each other's topics, hand work
to threads and queue Celery tasks."""
from __future__ import annotations

from pathlib import Path

PRODUCER = '''from kafka import KafkaProducer
from opentelemetry import trace
from opentelemetry.propagate import inject

tracer = trace.get_tracer(__name__)
producer = KafkaProducer()


def {name}_created(item):
    with tracer.start_as_current_span("{name}"):
        carrier = {{}}
        inject(carrier)
        producer.send("{topic}", value=item, headers=[(k, v.encode()) for k, v in carrier.items()])


def {name}_changed(item):
    with tracer.start_as_current_span("{name}.changed"):
        producer.send("{topic}", value=item)
'''

CONSUMER = '''from kafka import KafkaConsumer, KafkaProducer
from opentelemetry import trace
from opentelemetry.propagate import extract

tracer = trace.get_tracer(__name__)
producer = KafkaProducer()


def consume_{name}():
    consumer = KafkaConsumer("{source}")
    for record in consumer:
        parent = extract({{k: v.decode() for k, v in record.headers or []}})
        with tracer.start_as_current_span("{name}", context=parent):
            producer.send("{topic}", value=record.value)
'''

TASKS = '''from celery import shared_task


@shared_task
def refresh_{name}(item_id):
    return item_id
'''

CALLER = '''from opentelemetry import trace

from {package}.{tasks} import refresh_{name}

tracer = trace.get_tracer(__name__)


def schedule_{name}(item_id):
    with tracer.start_as_current_span("schedule"):
        refresh_{name}.delay(item_id)
'''

THREADS = '''from concurrent.futures import ThreadPoolExecutor

from opentelemetry import trace

tracer = trace.get_tracer(__name__)
pool = ThreadPoolExecutor()


def render_{name}(part):
    return part


def report_{name}(parts):
    with tracer.start_as_current_span("report"):
        return [pool.submit(render_{name}, p) for p in parts]
'''

KINDS = (PRODUCER, CONSUMER, TASKS, CALLER, THREADS)


def generate(root: Path, services: int = 8, packages: int = 5, modules: int = 10) -> int:
    """Write the project under ``root``; returns the number of modules written."""
    count = 0
    for s in range(services):
        service = root / f"svc{s:02d}"
        service.mkdir(parents=True)
        (service / "__init__.py").write_text("")
        for p in range(packages):
            package = service / f"pkg{p}"
            package.mkdir()
            (package / "__init__.py").write_text("")
            for m in range(modules):
                kind = KINDS[m % len(KINDS)]
                name = f"s{s}p{p}m{m}"
                # each consumer reads a topic of the next service's producers: chains across services
                source = f"svc{(s + 1) % services:02d}.pkg{p}.events{m - 1}"
                text = kind.format(name=name, topic=f"svc{s:02d}.pkg{p}.events{m}", source=source,
                                   package=f"svc{s:02d}.pkg{p}", tasks=f"mod{m - 1}")
                (package / f"mod{m}.py").write_text(text)
                count += 1
    return count
