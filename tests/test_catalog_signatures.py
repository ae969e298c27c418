"""The publish catalog against the real client libraries (``pip install -e .[catalog-check]``).

For every publisher row whose library is installed, the carrier, payload and destination
parameters must exist in the real method with that name and positional index (excluding
``self``), so a release that moves a parameter breaks this test instead of the users' trust.
Rows whose library is not installed are skipped; boto3 clients are generated at run time, so
their keyword parameters are checked against botocore's service model instead.
"""
from __future__ import annotations

import importlib
import inspect
import re

import pytest

from propagation_lint.catalog import consumers as concat
from propagation_lint.catalog import instrumentors as instcat
from propagation_lint.catalog import publishers as pubcat
from propagation_lint.catalog import threads as thrcat
from propagation_lint.catalog.schema import Arg

# importing the client libraries takes several seconds
pytestmark = pytest.mark.slow

# catalog receiver type -> (module to import, attribute path of the real class)
REAL_CLASSES = {
    "kafka.KafkaProducer": ("kafka", "KafkaProducer"),
    "confluent_kafka.Producer": ("confluent_kafka", "Producer"),
    "confluent_kafka.SerializingProducer": ("confluent_kafka", "SerializingProducer"),
    "confluent_kafka.aio.AIOProducer": ("confluent_kafka.aio", "AIOProducer"),
    "confluent_kafka.aio.AsyncSerializingProducer": ("confluent_kafka.aio", "AsyncSerializingProducer"),
    "aiokafka.AIOKafkaProducer": ("aiokafka", "AIOKafkaProducer"),
    "pika.adapters.blocking_connection.BlockingChannel": ("pika.adapters.blocking_connection", "BlockingChannel"),
    "aio_pika.Exchange": ("aio_pika", "Exchange"),
    "aiormq.Channel": ("aiormq", "Channel"),
    "kombu.Producer": ("kombu", "Producer"),
    "kombu.simple.SimpleQueue": ("kombu.simple", "SimpleQueue"),
    "celery.app.task.Task": ("celery.app.task", "Task"),
    "celery.canvas.Signature": ("celery.canvas", "Signature"),
    "celery.Celery": ("celery", "Celery"),
    "dramatiq.Actor": ("dramatiq", "Actor"),
    "rq.Queue": ("rq", "Queue"),
    "arq.connections.ArqRedis": ("arq.connections", "ArqRedis"),
    "taskiq.task": ("taskiq", "AsyncTaskiqDecoratedTask"),
    "faststream.kafka.KafkaBroker": ("faststream.kafka", "KafkaBroker"),
    "faststream.confluent.KafkaBroker": ("faststream.confluent", "KafkaBroker"),
    "faststream.rabbit.RabbitBroker": ("faststream.rabbit", "RabbitBroker"),
    "faststream.nats.NatsBroker": ("faststream.nats", "NatsBroker"),
    "faststream.redis.RedisBroker": ("faststream.redis", "RedisBroker"),
    "google.cloud.pubsub_v1.PublisherClient": ("google.cloud.pubsub_v1", "PublisherClient"),
    "azure.servicebus.ServiceBusSender": ("azure.servicebus", "ServiceBusSender"),
    "azure.eventhub.EventHubProducerClient": ("azure.eventhub", "EventHubProducerClient"),
    "nats.aio.client.Client": ("nats.aio.client", "Client"),
    "nats.js.client.JetStreamContext": ("nats.js.client", "JetStreamContext"),
    "redis.Redis": ("redis", "Redis"),
    "pulsar.Producer": ("pulsar", "Producer"),
    "paho.mqtt.client.Client": ("paho.mqtt.client", "Client"),
    "gcloud.aio.pubsub.PublisherClient": ("gcloud.aio.pubsub", "PublisherClient"),
    "faust.topics.Topic": ("faust.topics", "Topic"),
    "faust.agents.Agent": ("faust.agents", "Agent"),
    "faust.App": ("faust", "App"),
    "quixstreams.kafka.Producer": ("quixstreams.kafka", "Producer"),
    # quixstreams < 1 (a .NET-backed wheel for old interpreters; skipped when quixstreams >= 2 is installed)
    "quixstreams.TimeseriesBufferProducer": ("quixstreams", "TimeseriesBufferProducer"),
    "quixstreams.StreamTimeseriesProducer": ("quixstreams", "StreamTimeseriesProducer"),
    "quixstreams.StreamEventsProducer": ("quixstreams", "StreamEventsProducer"),
    "quixstreams.TimeseriesDataBuilder": ("quixstreams", "TimeseriesDataBuilder"),
    "quixstreams.EventDataBuilder": ("quixstreams", "EventDataBuilder"),
}
BOTO_SERVICES = {"boto3.client.sqs": "sqs", "boto3.resource.sqs.Queue": "sqs", "boto3.client.sns": "sns",
                 "boto3.resource.sns.Topic": "sns", "boto3.client.kinesis": "kinesis",
                 "boto3.client.events": "events", "boto3.client.lambda": "lambda"}
# boto3 resource actions whose operation name differs from the method
BOTO_OPERATIONS = {"send_messages": "SendMessageBatch"}


def _rows():
    for row in pubcat.PUBLISHERS:
        key = row.receiver or row.function
        yield pytest.param(row, id=f"{row.library}:{key.rsplit('.', 1)[-1]}.{row.method}")


def _import(module: str, path: str):
    mod = pytest.importorskip(module)
    obj = mod
    for part in path.split("."):
        if not hasattr(obj, part):
            pytest.skip(f"{module} has no {path} (another major version is installed)")
        obj = getattr(obj, part)
    return obj


def _check_args(fn, args, where: str):
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        pytest.skip(f"{where} is a C method without a signature")
    params = [p for p in sig.parameters.values() if p.name not in ("self", "cls")]
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    names = {p.name: p for p in params}
    has_var_kw = any(p.kind == p.VAR_KEYWORD for p in params)
    for arg in args:
        if arg is None:
            continue
        if arg.kwargs:
            assert has_var_kw, f"{where}: `{arg.name}` is a **kwargs carrier but the method takes no **kwargs"
            continue
        if arg.position is not None:
            assert arg.position < len(positional), f"{where}: no positional parameter #{arg.position} for `{arg.name}`"
            assert positional[arg.position].name == arg.name, (
                f"{where}: parameter #{arg.position} is `{positional[arg.position].name}`, catalog says `{arg.name}`")
        elif arg.name not in names:
            # keyword-only in the catalog: a named parameter, or forwarded through **kwargs/**options
            assert has_var_kw, f"{where}: no parameter `{arg.name}`"
        else:
            assert names[arg.name].kind in (inspect.Parameter.KEYWORD_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)


@pytest.mark.parametrize("row", _rows())
def test_publisher_row_matches_real_signature(row):
    args = (row.carrier, row.payload, row.destination)
    if row.receiver in BOTO_SERVICES:
        botocore_session = pytest.importorskip("botocore.session")
        model = botocore_session.get_session().get_service_model(BOTO_SERVICES[row.receiver])
        op = BOTO_OPERATIONS.get(row.method) or "".join(w.capitalize() for w in row.method.split("_"))
        members = model.operation_model(op).input_shape.members
        for arg in args:
            if arg is not None and not arg.kwargs:
                assert arg.name in members, f"{op} has no `{arg.name}` (has {sorted(members)})"
                assert arg.position is None, "boto3 client methods take keyword arguments only"
        return
    if row.function:
        module, _, name = row.function.rpartition(".")
        _check_args(_import(module, name), args, row.function)
        return
    if row.receiver not in REAL_CLASSES:
        pytest.skip(f"no importable class for {row.receiver}")
    module, path = REAL_CLASSES[row.receiver]
    cls = _import(module, path)
    method = getattr(cls, row.method, None)
    assert method is not None, f"{row.receiver} has no method {row.method}"
    where = f"{path}.{row.method}"
    try:
        inspect.signature(method)
    except (TypeError, ValueError):
        # confluent-kafka's C producer: the docstring names the parameters but not `callback`
        # (domain.md §1: headers is index 7 of the real kwlist, verified by calling it)
        doc = method.__doc__ or ""
        for arg in args:
            if arg is not None:
                assert re.search(rf"\b{arg.name}\b", doc), f"{where}: `{arg.name}` not in the docstring"
        pytest.skip(f"{where} is a C method: names checked in the docstring, positions cannot be")
    _check_args(method, args, where)


@pytest.mark.parametrize("carrier", pubcat.MESSAGE_CARRIERS, ids=lambda c: c.qname)
def test_message_carrier_matches_real_class(carrier):
    module, _, name = carrier.qname.rpartition(".")
    if carrier.qname == "pamqp.commands.Basic.Properties":
        module, name = "pamqp.commands", "Basic.Properties"
    cls = _import(module, name)
    if carrier.arg is not None:
        _check_args(cls.__init__, [carrier.arg], carrier.qname)
    else:
        assert carrier.attr in dir(cls) or carrier.attr in getattr(cls, "__slots__", ()) or carrier.attr in inspect.getsource(cls)


def test_task_methods_exist():
    task = _import("celery.app.task", "Task")
    for method in ("delay", "apply_async", "s", "si", "signature"):
        assert hasattr(task, method)
    actor = _import("dramatiq", "Actor")
    assert hasattr(actor, "send") and hasattr(actor, "send_with_options")


def test_mapping_covers_the_catalog():
    """Every publisher row is either checked against a real class, a botocore model or a function."""
    for row in pubcat.PUBLISHERS:
        assert row.function or row.receiver in REAL_CLASSES or row.receiver in BOTO_SERVICES, row


# hand-off receivers (catalog/threads.py) checked against the real class
HANDOFF_CLASSES = {
    "distributed.Client": ("distributed", "Client"),
    "concurrent.futures.ThreadPoolExecutor": ("concurrent.futures", "ThreadPoolExecutor"),
    "concurrent.futures.ProcessPoolExecutor": ("concurrent.futures", "ProcessPoolExecutor"),
}


@pytest.mark.parametrize("row", [r for r in thrcat.HANDOFFS if r.receiver in HANDOFF_CLASSES],
                         ids=lambda r: f"{r.receiver.rsplit('.', 1)[-1]}.{r.method}")
def test_handoff_row_matches_real_signature(row):
    module, path = HANDOFF_CLASSES[row.receiver]
    method = getattr(_import(module, path), row.method, None)
    assert method is not None, f"{row.receiver} has no method {row.method}"
    position, keyword = row.target
    _check_args(method, [Arg(keyword, position)], f"{path}.{row.method}")
    params = inspect.signature(method).parameters
    if row.args == thrcat.REST:
        assert any(p.kind == p.VAR_POSITIONAL for p in params.values()), f"{path}.{row.method} takes no *args"
    for keyword in row.own_keywords:
        assert keyword in params, f"{path}.{row.method} has no keyword `{keyword}`"
    if row.own_keywords:
        assert any(p.kind == p.VAR_KEYWORD for p in params.values()), f"{path}.{row.method} forwards no **kwargs"


@pytest.mark.parametrize("row", [r for r in concat.CALLBACKS if r.function],
                         ids=lambda r: r.function)
def test_callback_function_matches_real_signature(row):
    """Functions that register a message handler: the handler's parameter exists where the row says."""
    module, _, name = row.function.rpartition(".")
    fn = _import(module, name)
    args = [a for a in row.args]
    if inspect.isclass(fn):
        fn = fn.__init__
    _check_args(fn, args[:1], row.function)


@pytest.mark.parametrize("row", [r for r in concat.CALLBACKS if r.method == "__call__"], ids=lambda r: r.receiver)
def test_called_instance_matches_real_signature(row):
    """Instances called with a handler (``with processor(records, handler):``)."""
    module, _, name = row.receiver.rpartition(".")
    _check_args(_import(module, name).__call__, list(row.args[:1]), f"{row.receiver}.__call__")


def test_client_switches_match_real_classes():
    """``PublisherClient(publisher_options=PublisherOptions(enable_open_telemetry_tracing=True))``."""
    for switch in instcat.CLIENT_SWITCHES:
        module, _, name = switch.client.rpartition(".")
        client = _import(module, name)
        assert switch.keyword in inspect.signature(client.__init__).parameters
        for qname in switch.options:
            module, _, name = qname.rpartition(".")
            options = _import(module, name)
            fields = getattr(options, "_fields", None) or inspect.signature(options).parameters
            assert switch.flag in fields, f"{qname} has no {switch.flag}"


def test_attribute_switches_exist():
    """``azure.core.settings.settings.tracing_implementation`` is a setting the Azure SDK reads."""
    for qname in instcat.ATTRIBUTE_SWITCHES:
        owner, _, attr = qname.rpartition(".")
        module, _, name = owner.rpartition(".")
        assert hasattr(_import(module, name), attr), qname
