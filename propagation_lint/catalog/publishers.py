"""Which calls publish a message, where their carrier is, and what carries the payload.

Positions exclude ``self`` and follow each library's real signature (``../shared/domain.md`` §A
and the rule-matcher table §G); ``tests/test_catalog_signatures.py`` checks them against the
installed libraries.

Besides ``PUBLISHERS`` this module lists the messaging types and how instances are obtained
(``CLASSES``/``FACTORIES``, gathered with the other catalog modules), the message objects whose
headers live in a constructor argument or attribute (``MESSAGE_CARRIERS``), and the decorators
that turn a function into a task whose methods publish (``TASK_DECORATORS``).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Tuple

from .schema import Arg, ClassInfo, Factory, Publisher

KAFKA_HINT = r"(?i)producer|kafka"
AMQP_HINT = r"(?i)channel|chan\b|^ch$|rabbit|amqp|mq"
AWS_MODULES = ("boto3", "aiobotocore", "aioboto3", "botocore")


@dataclass(frozen=True)
class MessageCarrier:
    """A message object whose trace carrier is one of its constructor arguments or attributes.

    ``aio_pika.Message(body, headers=carrier)``, ``pika.BasicProperties(headers=carrier)``,
    ``ServiceBusMessage(body, application_properties=carrier)``, ``EventData(body)`` then
    ``event.properties = carrier``.
    """

    qname: str
    arg: Optional[Arg]  # constructor argument, None when only the attribute can be set
    attr: str  # attribute holding the carrier once the object exists
    # for a carrier spread as keyword arguments (``PubsubMessage(data, ordering_key='', **attrs)``):
    # the constructor's other parameters, which are not carrier entries
    others: Tuple[str, ...] = ()


@dataclass(frozen=True)
class BatchType:
    """A batch object filled message by message before one publish call sends it."""

    qname: str
    add_methods: Tuple[str, ...]
    item: Arg  # the argument of the add call that carries (a message, or the headers themselves)


@dataclass(frozen=True)
class TaskDecorator:
    """A decorator that makes a function a task: ``@app.task`` -> ``f.delay(...)`` publishes."""

    library: str
    qnames: Tuple[str, ...] = ()  # qualified decorators (``celery.shared_task``)
    attrs: Tuple[str, ...] = ()  # ``@<something>.task`` / ``@broker.task``
    methods: Tuple[str, ...] = ()  # the task's methods that publish
    task_type: str = ""  # synthetic receiver type used in the PUBLISHERS rows


CLASSES = (
    # --- AMQP
    ClassInfo("aio_pika.Connection", "aio-pika", ("aio_pika.connection.Connection", "aio_pika.RobustConnection",
                                                  "aio_pika.robust_connection.RobustConnection",
                                                  "aio_pika.abc.AbstractConnection", "aio_pika.abc.AbstractRobustConnection")),
    ClassInfo("aio_pika.Channel", "aio-pika", ("aio_pika.channel.Channel", "aio_pika.RobustChannel",
                                               "aio_pika.robust_channel.RobustChannel", "aio_pika.abc.AbstractChannel",
                                               "aio_pika.abc.AbstractRobustChannel")),
    ClassInfo("aio_pika.Exchange", "aio-pika", ("aio_pika.exchange.Exchange", "aio_pika.RobustExchange",
                                                "aio_pika.robust_exchange.RobustExchange", "aio_pika.abc.AbstractExchange",
                                                "aio_pika.abc.AbstractRobustExchange")),
    ClassInfo("aio_pika.Message", "aio-pika", ("aio_pika.message.Message",)),
    ClassInfo("aiormq.Connection", "aiormq", ("aiormq.connection.Connection", "aiormq.abc.AbstractConnection")),
    ClassInfo("aiormq.Channel", "aiormq", ("aiormq.channel.Channel", "aiormq.abc.AbstractChannel")),
    ClassInfo("pamqp.commands.Basic.Properties", "aiormq", ("aiormq.spec.Basic.Properties",)),
    ClassInfo("aiokafka.producer.message_accumulator.BatchBuilder", "aiokafka"),
    ClassInfo("kombu.Connection", "kombu", ("kombu.connection.Connection", "kombu.BrokerConnection")),
    ClassInfo("kombu.Producer", "kombu", ("kombu.messaging.Producer",)),
    ClassInfo("kombu.simple.SimpleQueue", "kombu", ()),
    # --- task queues
    ClassInfo("celery.Celery", "celery", ("celery.app.base.Celery",)),
    ClassInfo("celery.app.task.Task", "celery", ("celery.Task",)),
    ClassInfo("celery.canvas.Signature", "celery", ("celery.Signature",)),
    ClassInfo("dramatiq.Actor", "dramatiq", ("dramatiq.actor.Actor",)),
    ClassInfo("rq.Queue", "rq", ("rq.queue.Queue",)),
    ClassInfo("arq.connections.ArqRedis", "arq", ("arq.ArqRedis",)),
    ClassInfo("taskiq.task", "taskiq", ()),  # synthetic: a function decorated with @broker.task
    ClassInfo("faststream.kafka.KafkaBroker", "faststream", ("faststream.kafka.broker.KafkaBroker",
                                                             "faststream.kafka.broker.broker.KafkaBroker")),
    ClassInfo("faststream.confluent.KafkaBroker", "faststream", ("faststream.confluent.broker.KafkaBroker",
                                                                 "faststream.confluent.broker.broker.KafkaBroker")),
    ClassInfo("faststream.rabbit.RabbitBroker", "faststream", ("faststream.rabbit.broker.RabbitBroker",
                                                               "faststream.rabbit.broker.broker.RabbitBroker")),
    ClassInfo("faststream.nats.NatsBroker", "faststream", ("faststream.nats.broker.NatsBroker",
                                                           "faststream.nats.broker.broker.NatsBroker")),
    ClassInfo("faststream.redis.RedisBroker", "faststream", ("faststream.redis.broker.RedisBroker",
                                                             "faststream.redis.broker.broker.RedisBroker")),
    # --- cloud
    ClassInfo("google.cloud.pubsub_v1.PublisherClient", "google-cloud-pubsub",
              ("google.cloud.pubsub.PublisherClient", "google.cloud.pubsub_v1.publisher.Client",
               "google.cloud.pubsub_v1.publisher.client.Client")),
    ClassInfo("azure.servicebus.ServiceBusClient", "azure-servicebus",
              ("azure.servicebus._servicebus_client.ServiceBusClient",)),
    ClassInfo("azure.servicebus.aio.ServiceBusClient", "azure-servicebus",
              ("azure.servicebus.aio._servicebus_client_async.ServiceBusClient",)),
    ClassInfo("azure.servicebus.ServiceBusSender", "azure-servicebus",
              ("azure.servicebus._servicebus_sender.ServiceBusSender", "azure.servicebus.aio.ServiceBusSender",
               "azure.servicebus.aio._servicebus_sender_async.ServiceBusSender")),
    ClassInfo("azure.servicebus.ServiceBusMessage", "azure-servicebus",
              ("azure.servicebus._common.message.ServiceBusMessage",)),
    ClassInfo("azure.servicebus.ServiceBusMessageBatch", "azure-servicebus",
              ("azure.servicebus._common.message.ServiceBusMessageBatch",)),
    ClassInfo("azure.eventhub.EventHubProducerClient", "azure-eventhub",
              ("azure.eventhub._producer_client.EventHubProducerClient", "azure.eventhub.aio.EventHubProducerClient",
               "azure.eventhub.aio._producer_client_async.EventHubProducerClient")),
    ClassInfo("azure.eventhub.EventData", "azure-eventhub", ("azure.eventhub._common.EventData",)),
    ClassInfo("azure.eventhub.EventDataBatch", "azure-eventhub", ("azure.eventhub._common.EventDataBatch",)),
    # --- others
    ClassInfo("nats.aio.client.Client", "nats-py", ("nats.NATS", "nats.aio.client.NATS")),
    ClassInfo("nats.js.client.JetStreamContext", "nats-py", ("nats.js.JetStreamContext",)),
    ClassInfo("redis.Redis", "redis-py", ("redis.client.Redis", "redis.StrictRedis", "redis.client.StrictRedis",
                                          "redis.RedisCluster", "redis.cluster.RedisCluster",
                                          "redis.asyncio.Redis", "redis.asyncio.client.Redis",
                                          "redis.asyncio.StrictRedis", "redis.asyncio.RedisCluster",
                                          "aioredis.Redis", "aioredis.client.Redis")),
    ClassInfo("pulsar.Client", "pulsar-client", ("pulsar.asyncio.Client",)),
    ClassInfo("pulsar.Producer", "pulsar-client", ("pulsar.asyncio.Producer",)),
    ClassInfo("paho.mqtt.client.Client", "paho-mqtt", ()),
    ClassInfo("paho.mqtt.properties.Properties", "paho-mqtt", ()),
    ClassInfo("aiobotocore.session.AioSession", "boto3", ()),
    # gcloud-aio-pubsub (asyncio Pub/Sub over REST): publish(topic, [PubsubMessage(data, **attributes)])
    ClassInfo("gcloud.aio.pubsub.PublisherClient", "gcloud-aio-pubsub",
              ("gcloud.aio.pubsub.publisher_client.PublisherClient",)),
    ClassInfo("gcloud.aio.pubsub.PubsubMessage", "gcloud-aio-pubsub", ("gcloud.aio.pubsub.utils.PubsubMessage",)),
    # quixstreams >= 2: Application -> get_producer() -> Producer.produce(topic, value, key, headers, ...)
    ClassInfo("quixstreams.Application", "quixstreams", ("quixstreams.app.Application",)),
    ClassInfo("quixstreams.kafka.Producer", "quixstreams", ("quixstreams.kafka.producer.Producer",)),
    # quixstreams < 1 (the stream API): client -> topic producer -> stream -> timeseries/events (-> buffer),
    # builders add_timestamp(...).add_value(...).add_tag(...).publish(); tags are the only metadata
    ClassInfo("quixstreams.QuixStreamingClient", "quixstreams", ("quixstreams.KafkaStreamingClient",)),
    ClassInfo("quixstreams.TopicProducer", "quixstreams", ()),
    ClassInfo("quixstreams.StreamProducer", "quixstreams", ()),
    ClassInfo("quixstreams.StreamTimeseriesProducer", "quixstreams", ()),
    ClassInfo("quixstreams.TimeseriesBufferProducer", "quixstreams", ()),
    ClassInfo("quixstreams.StreamEventsProducer", "quixstreams", ()),
    ClassInfo("quixstreams.TimeseriesDataBuilder", "quixstreams", ()),
    ClassInfo("quixstreams.EventDataBuilder", "quixstreams", ()),
    ClassInfo("aioboto3.Session", "boto3", ("aioboto3.session.Session",)),
    # faust (faust-streaming): app.topic(...) -> Topic.send(*, key, value, partition, timestamp, headers, ...);
    # app.send(channel, key, value, partition, timestamp, headers, ...); agents (`@app.agent`) send too
    ClassInfo("faust.App", "faust", ("faust.app.App", "faust.app.base.App")),
    ClassInfo("faust.topics.Topic", "faust", ("faust.Topic",)),
    ClassInfo("faust.agents.Agent", "faust", ("faust.Agent", "faust.agents.agent.Agent")),
)

_AWS_SERVICES = ("sqs", "sns", "kinesis", "events", "lambda")

FACTORIES = (
    # aio-pika: connect -> connection -> channel -> exchange
    Factory("aio_pika.connect", "()", "aio_pika.Connection"),
    Factory("aio_pika.connect_robust", "()", "aio_pika.Connection"),
    Factory("aio_pika.Connection", "__enter__", "aio_pika.Connection"),
    Factory("aio_pika.Connection", "channel", "aio_pika.Channel"),
    Factory("aio_pika.Channel", "__enter__", "aio_pika.Channel"),
    Factory("aio_pika.Channel", ".default_exchange", "aio_pika.Exchange"),
    Factory("aio_pika.Channel", "declare_exchange", "aio_pika.Exchange"),
    Factory("aio_pika.Channel", "get_exchange", "aio_pika.Exchange"),
    # aiokafka: producer.create_batch() -> batch.append(key=, value=, timestamp=, headers=) -> send_batch
    Factory("aiokafka.AIOKafkaProducer", "create_batch", "aiokafka.producer.message_accumulator.BatchBuilder"),
    # aiormq
    Factory("aiormq.connect", "()", "aiormq.Connection"),
    Factory("aiormq.Connection", "channel", "aiormq.Channel"),
    # pika: channels of the other adapters, and `with conn.channel() as ch`
    Factory("pika.adapters.blocking_connection.BlockingChannel", "__enter__", "pika.adapters.blocking_connection.BlockingChannel"),
    # kombu
    Factory("kombu.Connection", "__enter__", "kombu.Connection"),
    Factory("kombu.Connection", "Producer", "kombu.Producer"),
    Factory("kombu.Connection", "SimpleQueue", "kombu.simple.SimpleQueue"),
    Factory("kombu.Connection", "SimpleBuffer", "kombu.simple.SimpleQueue"),
    Factory("kombu.Producer", "__enter__", "kombu.Producer"),
    Factory("kombu.simple.SimpleQueue", "__enter__", "kombu.simple.SimpleQueue"),
    # celery
    Factory("celery.signature", "()", "celery.canvas.Signature"),
    Factory("celery.Celery", "signature", "celery.canvas.Signature"),
    Factory("celery.app.task.Task", "s", "celery.canvas.Signature"),
    Factory("celery.app.task.Task", "si", "celery.canvas.Signature"),
    Factory("celery.app.task.Task", "signature", "celery.canvas.Signature"),
    Factory("celery.canvas.Signature", "set", "celery.canvas.Signature"),
    Factory("celery.canvas.Signature", "clone", "celery.canvas.Signature"),
    Factory("celery.chain", "()", "celery.canvas.Signature"),
    Factory("celery.group", "()", "celery.canvas.Signature"),
    Factory("celery.chord", "()", "celery.canvas.Signature"),
    Factory("celery.canvas.chain", "()", "celery.canvas.Signature"),
    Factory("celery.canvas.group", "()", "celery.canvas.Signature"),
    # arq
    Factory("arq.create_pool", "()", "arq.connections.ArqRedis"),
    Factory("arq.connections.create_pool", "()", "arq.connections.ArqRedis"),
    # FastStream `broker.publisher("topic")` objects publish like their broker
    Factory("faststream.kafka.KafkaBroker", "publisher", "faststream.kafka.KafkaBroker"),
    Factory("faststream.confluent.KafkaBroker", "publisher", "faststream.confluent.KafkaBroker"),
    Factory("faststream.rabbit.RabbitBroker", "publisher", "faststream.rabbit.RabbitBroker"),
    Factory("faststream.nats.NatsBroker", "publisher", "faststream.nats.NatsBroker"),
    Factory("faststream.redis.RedisBroker", "publisher", "faststream.redis.RedisBroker"),
    # Pub/Sub
    Factory("google.cloud.pubsub_v1.PublisherClient", "__enter__", "google.cloud.pubsub_v1.PublisherClient"),
    # Service Bus
    Factory("azure.servicebus.ServiceBusClient.from_connection_string", "()", "azure.servicebus.ServiceBusClient"),
    Factory("azure.servicebus.aio.ServiceBusClient.from_connection_string", "()", "azure.servicebus.ServiceBusClient"),
    Factory("azure.servicebus.aio.ServiceBusClient", "()", "azure.servicebus.ServiceBusClient"),
    Factory("azure.servicebus.ServiceBusClient", "__enter__", "azure.servicebus.ServiceBusClient"),
    Factory("azure.servicebus.ServiceBusClient", "get_queue_sender", "azure.servicebus.ServiceBusSender"),
    Factory("azure.servicebus.ServiceBusClient", "get_topic_sender", "azure.servicebus.ServiceBusSender"),
    Factory("azure.servicebus.ServiceBusSender", "__enter__", "azure.servicebus.ServiceBusSender"),
    Factory("azure.servicebus.ServiceBusSender", "create_message_batch", "azure.servicebus.ServiceBusMessageBatch"),
    # Event Hubs
    Factory("azure.eventhub.EventHubProducerClient.from_connection_string", "()", "azure.eventhub.EventHubProducerClient"),
    Factory("azure.eventhub.aio.EventHubProducerClient.from_connection_string", "()", "azure.eventhub.EventHubProducerClient"),
    Factory("azure.eventhub.EventHubProducerClient", "__enter__", "azure.eventhub.EventHubProducerClient"),
    Factory("azure.eventhub.EventHubProducerClient", "create_batch", "azure.eventhub.EventDataBatch"),
    # NATS
    Factory("nats.connect", "()", "nats.aio.client.Client"),
    Factory("nats.aio.client.Client", "jetstream", "nats.js.client.JetStreamContext"),
    # redis
    Factory("redis.from_url", "()", "redis.Redis"),
    Factory("redis.Redis.from_url", "()", "redis.Redis"),
    Factory("redis.StrictRedis.from_url", "()", "redis.Redis"),
    Factory("redis.asyncio.from_url", "()", "redis.Redis"),
    Factory("redis.asyncio.Redis.from_url", "()", "redis.Redis"),
    Factory("aioredis.from_url", "()", "redis.Redis"),
    Factory("redis.Redis", "__enter__", "redis.Redis"),
    # pulsar
    Factory("pulsar.Client", "create_producer", "pulsar.Producer"),
    # aiobotocore / aioboto3 (same parameters as boto3)
    Factory("aiobotocore.session.get_session", "()", "aiobotocore.session.AioSession"),
    Factory("aiobotocore.session.AioSession", "__enter__", "aiobotocore.session.AioSession"),
    *(Factory("aiobotocore.session.AioSession", "create_client", f"boto3.client.{s}", s) for s in _AWS_SERVICES),
    *(Factory("aioboto3.Session", "client", f"boto3.client.{s}", s) for s in _AWS_SERVICES),
    *(Factory(f"boto3.client.{s}", "__enter__", f"boto3.client.{s}") for s in _AWS_SERVICES),
    Factory("aioboto3.Session", "resource", "boto3.resource.sqs", "sqs"),
    Factory("aioboto3.Session", "resource", "boto3.resource.sns", "sns"),
    Factory("boto3.resource.sqs", "__enter__", "boto3.resource.sqs"),
    # gcloud-aio-pubsub
    Factory("gcloud.aio.pubsub.PublisherClient", "__enter__", "gcloud.aio.pubsub.PublisherClient"),
    # faust
    Factory("faust.App", "topic", "faust.topics.Topic"),
    # quixstreams >= 2
    Factory("quixstreams.Application", "get_producer", "quixstreams.kafka.Producer"),
    Factory("quixstreams.kafka.Producer", "__enter__", "quixstreams.kafka.Producer"),
    # quixstreams < 1
    Factory("quixstreams.QuixStreamingClient", "get_topic_producer", "quixstreams.TopicProducer"),
    Factory("quixstreams.TopicProducer", "create_stream", "quixstreams.StreamProducer"),
    Factory("quixstreams.TopicProducer", "get_or_create_stream", "quixstreams.StreamProducer"),
    Factory("quixstreams.TopicProducer", "get_stream", "quixstreams.StreamProducer"),
    Factory("quixstreams.StreamProducer", ".timeseries", "quixstreams.StreamTimeseriesProducer"),
    Factory("quixstreams.StreamProducer", ".events", "quixstreams.StreamEventsProducer"),
    Factory("quixstreams.StreamTimeseriesProducer", ".buffer", "quixstreams.TimeseriesBufferProducer"),
    *(Factory(source, m, builder)
      for source, builder in (("quixstreams.TimeseriesBufferProducer", "quixstreams.TimeseriesDataBuilder"),
                              ("quixstreams.StreamEventsProducer", "quixstreams.EventDataBuilder"))
      for m in ("add_timestamp", "add_timestamp_nanoseconds", "add_timestamp_milliseconds")),
    *(Factory(builder, m, builder)
      for builder in ("quixstreams.TimeseriesDataBuilder", "quixstreams.EventDataBuilder")
      for m in ("add_value", "add_tag", "add_tags")),
)

# Message objects whose carrier is a constructor argument or attribute (domain.md §A.2, §A.4).
MESSAGE_CARRIERS = (
    MessageCarrier("aio_pika.Message", Arg("headers"), "headers"),
    MessageCarrier("pika.BasicProperties", Arg("headers", 2), "headers"),
    MessageCarrier("pamqp.commands.Basic.Properties", Arg("headers"), "headers"),
    MessageCarrier("azure.servicebus.ServiceBusMessage", Arg("application_properties"), "application_properties"),
    MessageCarrier("azure.eventhub.EventData", None, "properties"),
    MessageCarrier("paho.mqtt.properties.Properties", None, "UserProperty"),
    # PubsubMessage(data, ordering_key='', **kwargs): the keyword arguments become ``.attributes``
    MessageCarrier("gcloud.aio.pubsub.PubsubMessage", Arg("attributes", kwargs=True), "attributes",
                   others=("data", "ordering_key")),
)

BATCH_TYPES = (
    BatchType("aiokafka.producer.message_accumulator.BatchBuilder", ("append",), Arg("headers")),
    BatchType("azure.servicebus.ServiceBusMessageBatch", ("add_message",), Arg("message", 0)),
    BatchType("azure.eventhub.EventDataBatch", ("add",), Arg("event_data", 0)),
)

TASK_DECORATORS = (
    TaskDecorator("celery", ("celery.shared_task", "celery.task", "celery.app.shared_task"), ("task",),
                  ("delay", "apply_async"), "celery.app.task.Task"),
    TaskDecorator("dramatiq", ("dramatiq.actor",), ("actor",), ("send", "send_with_options"), "dramatiq.Actor"),
    TaskDecorator("taskiq", (), ("task",), ("kiq",), "taskiq.task"),
    TaskDecorator("faust", (), ("agent",), ("send", "ask", "cast"), "faust.agents.Agent"),
)

# Libraries whose task methods no other object has (`.delay()`, `.apply_async()`, `.kiq()`): such
# a call on an object the linter cannot type publishes one of their tasks (`.send()` says nothing)
DISTINCT_TASK_LIBRARIES = ("celery", "taskiq")
DISTINCT_TASK_METHODS = tuple(m for d in TASK_DECORATORS if d.library in DISTINCT_TASK_LIBRARIES for m in d.methods)

# The library a task decorator's ``.attr`` belongs to is decided by the file's imports.
TASK_LIBRARY_MODULES = {"celery": ("celery",), "dramatiq": ("dramatiq",), "taskiq": ("taskiq",), "faust": ("faust",)}


def _sqs(method, receiver, carrier, payload, **kw):
    return Publisher("boto3-sqs", method, receiver=receiver, carrier=Arg(carrier), carrier_kind=kw.pop("kind"),
                     payload=Arg(payload), **kw)


PUBLISHERS = (
    # --- kafka-python: send(topic, value=None, key=None, headers=None, partition=None, timestamp_ms=None)
    Publisher(
        "kafka-python", "send", receiver="kafka.KafkaProducer",
        carrier=Arg("headers", 3), carrier_kind="kafka-headers",
        payload=Arg("value", 1), destination=Arg("topic", 0),
        hint_receiver=KAFKA_HINT, hint_modules=("kafka",),
    ),
    # --- confluent-kafka: produce(topic, value, key, partition, on_delivery, callback, timestamp, headers)
    Publisher(
        "confluent-kafka", "produce", receiver="confluent_kafka.Producer",
        carrier=Arg("headers", 7), carrier_kind="confluent-headers",
        payload=Arg("value", 1), destination=Arg("topic", 0),
        hint_receiver=KAFKA_HINT, hint_modules=("confluent_kafka",),
    ),
    # SerializingProducer.produce(topic, key=None, value=None, partition=-1, on_delivery=None, timestamp=0, headers=None)
    Publisher(
        "confluent-kafka", "produce", receiver="confluent_kafka.SerializingProducer",
        carrier=Arg("headers", 6), carrier_kind="confluent-headers",
        payload=Arg("value", 2), destination=Arg("topic", 0),
    ),
    # AIOProducer.produce(topic, value=None, key=None, *args, **kwargs): headers only by keyword
    Publisher(
        "confluent-kafka", "produce", receiver="confluent_kafka.aio.AIOProducer",
        carrier=Arg("headers"), carrier_kind="confluent-headers",
        payload=Arg("value", 1), destination=Arg("topic", 0),
    ),
    # AsyncSerializingProducer.produce(topic, key=None, value=None, partition=-1, timestamp=0, headers=None)
    Publisher(
        "confluent-kafka", "produce", receiver="confluent_kafka.aio.AsyncSerializingProducer",
        carrier=Arg("headers", 5), carrier_kind="confluent-headers",
        payload=Arg("value", 2), destination=Arg("topic", 0),
    ),
    Publisher(
        "confluent-kafka", "produce_batch", receiver="confluent_kafka.Producer",
        carrier=None, carrier_kind="payload-kafka-batch",
        payload=Arg("messages", 1), destination=Arg("topic", 0),
        hint_receiver=KAFKA_HINT, hint_modules=("confluent_kafka",),
        note="produce_batch() cannot carry headers (\"Message headers are not currently supported in batch mode\")",
    ),
    # --- aiokafka: send(topic, value=None, key=None, partition=None, timestamp_ms=None, headers=None)
    Publisher(
        "aiokafka", "send", receiver="aiokafka.AIOKafkaProducer",
        carrier=Arg("headers", 5), carrier_kind="kafka-headers",
        payload=Arg("value", 1), destination=Arg("topic", 0),
        hint_receiver=KAFKA_HINT, hint_modules=("aiokafka",),
    ),
    Publisher(
        "aiokafka", "send_and_wait", receiver="aiokafka.AIOKafkaProducer",
        carrier=Arg("headers", 5), carrier_kind="kafka-headers",
        payload=Arg("value", 1), destination=Arg("topic", 0),
        hint_receiver=KAFKA_HINT, hint_modules=("aiokafka",),
    ),
    # send_batch(batch, topic, *, partition): each record's headers go in batch.append(..., headers=)
    Publisher(
        "aiokafka", "send_batch", receiver="aiokafka.AIOKafkaProducer",
        carrier=Arg("batch", 0), carrier_kind="aiokafka-batch",
        payload=Arg("batch", 0), destination=Arg("topic", 1),
        hint_receiver=KAFKA_HINT, hint_modules=("aiokafka",),
    ),
    # --- pika: basic_publish(exchange, routing_key, body, properties=None, mandatory=False)
    Publisher(
        "pika", "basic_publish", receiver="pika.adapters.blocking_connection.BlockingChannel",
        carrier=Arg("properties", 3), carrier_kind="pika-properties",
        payload=Arg("body", 2), destination=Arg("routing_key", 1),
        hint_receiver=AMQP_HINT, hint_modules=("pika",),
    ),
    # --- aio-pika: Exchange.publish(message, routing_key, *, mandatory, immediate, timeout)
    Publisher(
        "aio-pika", "publish", receiver="aio_pika.Exchange",
        carrier=Arg("message", 0), carrier_kind="aio-pika-message",
        payload=Arg("message", 0), destination=Arg("routing_key", 1),
        hint_receiver=r"(?i)exchange", hint_modules=("aio_pika",),
    ),
    # --- aiormq: basic_publish(body, *, exchange='', routing_key='', properties=None, ...)
    Publisher(
        "aiormq", "basic_publish", receiver="aiormq.Channel",
        carrier=Arg("properties"), carrier_kind="aiormq-properties",
        payload=Arg("body", 0), destination=Arg("routing_key"),
        hint_receiver=AMQP_HINT, hint_modules=("aiormq",),
    ),
    # --- kombu: Producer.publish(body, routing_key, ..., headers (pos 9), ..., **properties)
    Publisher(
        "kombu", "publish", receiver="kombu.Producer",
        carrier=Arg("headers", 9), carrier_kind="dict",
        payload=Arg("body", 0), destination=Arg("routing_key", 1),
        hint_receiver=r"(?i)producer", hint_modules=("kombu",),
    ),
    Publisher(
        "kombu", "put", receiver="kombu.simple.SimpleQueue",
        carrier=Arg("headers", 2), carrier_kind="dict", payload=Arg("message", 0),
    ),
    # --- celery: apply_async(args, kwargs, task_id, producer, link, link_error, shadow, **options)
    Publisher(
        "celery", "apply_async", receiver="celery.app.task.Task",
        carrier=Arg("headers"), carrier_kind="celery-headers",
    ),
    Publisher(
        "celery", "apply_async", receiver="celery.canvas.Signature",
        carrier=Arg("headers"), carrier_kind="celery-headers",
    ),
    Publisher(
        "celery", "delay", receiver="celery.app.task.Task",
        carrier=Arg("headers"), carrier_kind="celery-delay",
        note="delay() cannot carry headers: its keyword arguments go to the task",
    ),
    Publisher(
        "celery", "delay", receiver="celery.canvas.Signature",
        carrier=Arg("headers"), carrier_kind="celery-delay",
        note="delay() cannot carry headers: its keyword arguments go to the task",
    ),
    # Celery.send_task(name, args=None, kwargs=None, ..., **options)
    Publisher(
        "celery", "send_task", receiver="celery.Celery",
        carrier=Arg("headers"), carrier_kind="celery-headers", destination=Arg("name", 0),
        hint_receiver=r"(?i)celery|app\b|^app", hint_modules=("celery",),
    ),
    # --- dramatiq: Actor.send(*args, **kwargs); send_with_options(*, args, kwargs, delay, **options)
    Publisher(
        "dramatiq", "send", receiver="dramatiq.Actor",
        carrier=Arg("options"), carrier_kind="dramatiq-options",
        note="dramatiq messages carry no headers: put the context in message.options with a middleware",
    ),
    Publisher(
        "dramatiq", "send_with_options", receiver="dramatiq.Actor",
        carrier=Arg("options", kwargs=True), carrier_kind="dramatiq-options",
    ),
    # --- rq: enqueue(f, *args, **kwargs) (reserved meta=), enqueue_call(func, args, kwargs, ..., meta=)
    Publisher(
        "rq", "enqueue", receiver="rq.Queue",
        carrier=Arg("meta"), carrier_kind="rq-meta", hint_receiver=r"(?i)queue|\bq\b|^q$", hint_modules=("rq",),
    ),
    Publisher("rq", "enqueue_call", receiver="rq.Queue", carrier=Arg("meta"), carrier_kind="rq-meta"),
    Publisher("rq", "enqueue_in", receiver="rq.Queue", carrier=Arg("meta"), carrier_kind="rq-meta"),
    Publisher("rq", "enqueue_at", receiver="rq.Queue", carrier=Arg("meta"), carrier_kind="rq-meta"),
    # --- arq: enqueue_job(function, *args, _job_id=None, ..., **kwargs): no headers
    Publisher(
        "arq", "enqueue_job", receiver="arq.connections.ArqRedis",
        carrier=None, carrier_kind="payload-task-kwargs", payload=Arg("kwargs", kwargs=True),
        hint_receiver=r"(?i)redis|pool|arq", hint_modules=("arq",),
        note="arq jobs have no headers: only the job's arguments reach the worker",
    ),
    # --- taskiq: await task.kiq(*args, **kwargs); labels via .kicker().with_labels(**labels)
    Publisher(
        "taskiq", "kiq", receiver="taskiq.task",
        carrier=Arg("labels", kwargs=True), carrier_kind="taskiq-labels",
    ),
    # --- FastStream: broker.publish(message, <destination>, ..., headers=...)
    *(Publisher("faststream", "publish", receiver=broker, carrier=Arg("headers", pos), carrier_kind="dict",
                payload=Arg("message", 0), destination=Arg(dest, 1),
                hint_receiver=r"(?i)broker", hint_modules=("faststream",))
      for broker, pos, dest in (("faststream.kafka.KafkaBroker", None, "topic"),
                                ("faststream.confluent.KafkaBroker", None, "topic"),
                                ("faststream.rabbit.RabbitBroker", None, "queue"),
                                ("faststream.nats.NatsBroker", 2, "subject"),
                                ("faststream.redis.RedisBroker", None, "channel"))),
    # --- boto3 SQS (client methods take keywords only)
    _sqs("send_message", "boto3.client.sqs", "MessageAttributes", "MessageBody", kind="sqs-attributes",
         destination=Arg("QueueUrl"), hint_keywords=("QueueUrl", "MessageBody"), hint_modules=AWS_MODULES,
         hint_anywhere=True),
    _sqs("send_message_batch", "boto3.client.sqs", "Entries", "Entries", kind="sqs-batch-attributes",
         destination=Arg("QueueUrl"), hint_keywords=("QueueUrl", "Entries"), hint_modules=AWS_MODULES,
         hint_anywhere=True),
    _sqs("send_message", "boto3.resource.sqs.Queue", "MessageAttributes", "MessageBody", kind="sqs-attributes",
         hint_keywords=("MessageBody",), hint_receiver=r"(?i)queue", hint_modules=AWS_MODULES),
    _sqs("send_messages", "boto3.resource.sqs.Queue", "Entries", "Entries", kind="sqs-batch-attributes"),
    # --- SNS: publish(TopicArn|TargetArn|PhoneNumber, Message, ..., MessageAttributes); publish_batch
    Publisher(
        "boto3-sns", "publish", receiver="boto3.client.sns",
        carrier=Arg("MessageAttributes"), carrier_kind="sns-attributes",
        payload=Arg("Message"), destination=Arg("TopicArn"),
        hint_keywords=("TopicArn", "Message"), hint_modules=AWS_MODULES, hint_anywhere=True,
        not_with_keywords=("PhoneNumber",),
    ),
    Publisher(
        "boto3-sns", "publish", receiver="boto3.resource.sns.Topic",
        carrier=Arg("MessageAttributes"), carrier_kind="sns-attributes", payload=Arg("Message"),
        not_with_keywords=("PhoneNumber",),
    ),
    Publisher(
        "boto3-sns", "publish_batch", receiver="boto3.client.sns",
        carrier=Arg("PublishBatchRequestEntries"), carrier_kind="sns-batch-attributes",
        payload=Arg("PublishBatchRequestEntries"), destination=Arg("TopicArn"),
        hint_keywords=("TopicArn", "PublishBatchRequestEntries"), hint_modules=AWS_MODULES, hint_anywhere=True,
    ),
    # --- Kinesis, EventBridge, Lambda: no message headers (payload must carry it)
    Publisher(
        "boto3-kinesis", "put_record", receiver="boto3.client.kinesis", carrier=None, carrier_kind="payload-kinesis",
        payload=Arg("Data"), destination=Arg("StreamName"),
        hint_keywords=("Data", "PartitionKey"), hint_modules=AWS_MODULES, hint_anywhere=True,
    ),
    Publisher(
        "boto3-kinesis", "put_records", receiver="boto3.client.kinesis", carrier=None, carrier_kind="payload-kinesis-records",
        payload=Arg("Records"), destination=Arg("StreamName"),
        hint_keywords=("Records", "StreamName"), hint_modules=AWS_MODULES, hint_anywhere=True,
    ),
    Publisher(
        "boto3-events", "put_events", receiver="boto3.client.events", carrier=None, carrier_kind="payload-eventbridge",
        payload=Arg("Entries"),
        hint_keywords=("Entries",), hint_receiver=r"(?i)event|bridge|bus", hint_modules=AWS_MODULES,
        note="EventBridge has no message headers (TraceHeader takes an X-Ray header only)",
    ),
    Publisher(
        "boto3-lambda", "invoke", receiver="boto3.client.lambda", carrier=None, carrier_kind="payload-lambda",
        payload=Arg("Payload"), destination=Arg("FunctionName"),
        hint_keywords=("FunctionName", "Payload"), hint_modules=AWS_MODULES, hint_anywhere=True,
    ),
    # --- Google Cloud Pub/Sub: publish(topic, data, ordering_key='', retry, timeout, **attrs)
    Publisher(
        "google-cloud-pubsub", "publish", receiver="google.cloud.pubsub_v1.PublisherClient",
        carrier=Arg("attrs", kwargs=True), carrier_kind="pubsub-attributes",
        payload=Arg("data", 1), destination=Arg("topic", 0),
        hint_receiver=r"(?i)publisher|pubsub", hint_modules=("google.cloud.pubsub_v1", "google.cloud.pubsub"),
    ),
    # --- Azure Service Bus: send_messages(message | list | batch, *, timeout); schedule_messages(messages, time)
    Publisher(
        "azure-servicebus", "send_messages", receiver="azure.servicebus.ServiceBusSender",
        carrier=Arg("message", 0), carrier_kind="servicebus-message", payload=Arg("message", 0),
        hint_receiver=r"(?i)sender", hint_modules=("azure.servicebus",),
    ),
    Publisher(
        "azure-servicebus", "schedule_messages", receiver="azure.servicebus.ServiceBusSender",
        carrier=Arg("messages", 0), carrier_kind="servicebus-message", payload=Arg("messages", 0),
    ),
    # --- Azure Event Hubs: send_batch(event_data_batch, ...), send_event(event_data, ...)
    Publisher(
        "azure-eventhub", "send_batch", receiver="azure.eventhub.EventHubProducerClient",
        carrier=Arg("event_data_batch", 0), carrier_kind="eventhub-event", payload=Arg("event_data_batch", 0),
        hint_receiver=r"(?i)producer|eventhub|hub", hint_modules=("azure.eventhub",),
    ),
    Publisher(
        "azure-eventhub", "send_event", receiver="azure.eventhub.EventHubProducerClient",
        carrier=Arg("event_data", 0), carrier_kind="eventhub-event", payload=Arg("event_data", 0),
    ),
    # --- NATS: publish(subject, payload=b'', reply='', headers=None); request(subject, payload, timeout,
    # old_style, headers); JetStream publish(subject, payload, timeout, stream, headers)
    Publisher(
        "nats-py", "publish", receiver="nats.aio.client.Client",
        carrier=Arg("headers", 3), carrier_kind="dict", payload=Arg("payload", 1), destination=Arg("subject", 0),
        hint_receiver=r"(?i)^_?nc$|nats", hint_modules=("nats",),
    ),
    Publisher(
        "nats-py", "request", receiver="nats.aio.client.Client",
        carrier=Arg("headers", 4), carrier_kind="dict", payload=Arg("payload", 1), destination=Arg("subject", 0),
    ),
    Publisher(
        "nats-py", "publish", receiver="nats.js.client.JetStreamContext",
        carrier=Arg("headers", 4), carrier_kind="dict", payload=Arg("payload", 1), destination=Arg("subject", 0),
        hint_receiver=r"(?i)^_?js$|jetstream", hint_modules=("nats",),
    ),
    Publisher(
        "nats-py", "publish_async", receiver="nats.js.client.JetStreamContext",
        carrier=Arg("headers", 4), carrier_kind="dict", payload=Arg("payload", 1), destination=Arg("subject", 0),
    ),
    # --- redis-py: publish(channel, message) has no headers; xadd(name, fields, ...) fields pos 1
    Publisher(
        "redis-py", "publish", receiver="redis.Redis", carrier=None, carrier_kind="payload-redis",
        payload=Arg("message", 1), destination=Arg("channel", 0),
        hint_receiver=r"(?i)redis", hint_modules=("redis", "aioredis"),
        note="Redis PUBLISH has no message headers",
    ),
    Publisher(
        "redis-py", "spublish", receiver="redis.Redis", carrier=None, carrier_kind="payload-redis",
        payload=Arg("message", 1), destination=Arg("shard_channel", 0),
        note="Redis SPUBLISH has no message headers",
    ),
    Publisher(
        "redis-py", "xadd", receiver="redis.Redis", carrier=Arg("fields", 1), carrier_kind="redis-stream-fields",
        payload=Arg("fields", 1), destination=Arg("name", 0),
        hint_receiver=r"(?i)redis", hint_modules=("redis", "aioredis"),
    ),
    # --- pulsar: send(content, properties=None, ...), send_async(content, callback, properties=None, ...)
    Publisher(
        "pulsar-client", "send", receiver="pulsar.Producer",
        carrier=Arg("properties", 1), carrier_kind="dict", payload=Arg("content", 0),
        hint_receiver=r"(?i)producer|pulsar", hint_modules=("pulsar",),
    ),
    Publisher(
        "pulsar-client", "send_async", receiver="pulsar.Producer",
        carrier=Arg("properties", 2), carrier_kind="dict", payload=Arg("content", 0),
        hint_receiver=r"(?i)producer|pulsar", hint_modules=("pulsar",),
    ),
    # --- gcloud-aio-pubsub: publish(topic, messages, session=None, timeout=10); the carrier is each
    # PubsubMessage's attributes (its keyword arguments)
    Publisher(
        "gcloud-aio-pubsub", "publish", receiver="gcloud.aio.pubsub.PublisherClient",
        carrier=Arg("messages", 1), carrier_kind="gcloud-aio-pubsub-messages",
        payload=Arg("messages", 1), destination=Arg("topic", 0),
        hint_receiver=r"(?i)publisher|pubsub", hint_modules=("gcloud.aio.pubsub",),
    ),
    # --- quixstreams >= 2: Producer.produce(topic, value=None, key=None, headers=None, partition=None, ...)
    Publisher(
        "quixstreams", "produce", receiver="quixstreams.kafka.Producer",
        carrier=Arg("headers", 3), carrier_kind="quix-headers",
        payload=Arg("value", 1), destination=Arg("topic", 0),
    ),
    # --- quixstreams < 1: no headers; tags (add_tag(...), a DataFrame's TAG__ columns) carry metadata
    # (unresolved receivers: the API's own attribute names, `stream.timeseries.buffer.publish(df)`)
    *(Publisher("quixstreams", "publish", receiver=receiver, carrier=None, carrier_kind="payload-quix-legacy",
                payload=Arg(payload, 0) if payload else None, hint_receiver=hint, data_payload=True,
                hint_modules=("quixstreams",) if hint else (),
                note="the legacy quixstreams stream API has no headers: tags carry the context")
      for receiver, payload, hint in (("quixstreams.TimeseriesBufferProducer", "packet", r"^buffer$"),
                                      ("quixstreams.StreamTimeseriesProducer", "packet", r"^timeseries$"),
                                      ("quixstreams.StreamEventsProducer", "data", r"^events$"),
                                      ("quixstreams.TimeseriesDataBuilder", "", ""),
                                      ("quixstreams.EventDataBuilder", "", ""))),
    # --- faust: Topic.send / Agent.send / cast / ask take keywords only (key, value, partition, timestamp,
    # headers, ...); App.send(channel, key, value, partition, timestamp, headers, ...). Headers: a mapping
    # or a list of (str, bytes); no instrumentation propagates
    *(Publisher("faust", method, receiver=receiver, carrier=Arg("headers"), carrier_kind="kafka-headers",
                payload=Arg("value", value_position), hint_receiver=r"(?i)topic" if receiver == "faust.topics.Topic" else "",
                hint_modules=("faust",) if receiver == "faust.topics.Topic" else ())
      for receiver, method, value_position in (("faust.topics.Topic", "send", None), ("faust.topics.Topic", "send_soon", None),
                                               ("faust.agents.Agent", "send", None), ("faust.agents.Agent", "cast", 0),
                                               ("faust.agents.Agent", "ask", 0))),
    Publisher(
        "faust", "send", receiver="faust.App", carrier=Arg("headers", 5), carrier_kind="kafka-headers",
        payload=Arg("value", 2), destination=Arg("channel", 0),
    ),
    # --- paho-mqtt: publish(topic, payload=None, qos=0, retain=False, properties=None); v5 only
    Publisher(
        "paho-mqtt", "publish", receiver="paho.mqtt.client.Client",
        carrier=Arg("properties", 4), carrier_kind="mqtt-properties",
        payload=Arg("payload", 1), destination=Arg("topic", 0),
        hint_receiver=r"(?i)mqtt|client", hint_modules=("paho",), payload_fallback=True,
        note="MQTT 3.1.1 has no headers; v5 carries user properties",
    ),
    Publisher(
        "paho-mqtt", "single", function="paho.mqtt.publish.single", carrier=None, carrier_kind="payload-mqtt",
        payload=Arg("payload", 1), destination=Arg("topic", 0),
        note="paho.mqtt.publish.single() sends no MQTT v5 properties",
    ),
)

# Module attributes that are instances: ``celery.current_app.send_task(...)``.
MODULE_INSTANCES = {
    "celery.current_app": "celery.Celery",
    "celery.app.current_app": "celery.Celery",
}

# For carriers spread as keyword arguments (``**attrs``): the call's other parameters, which are not
# carrier entries.
KWARGS_CARRIER_OTHER_PARAMS = {
    ("google-cloud-pubsub", "publish"): ("topic", "data", "ordering_key", "retry", "timeout"),
    ("dramatiq", "send_with_options"): ("args", "kwargs", "delay"),
    ("taskiq", "kiq"): (),
}

# Methods on a task object that produce a signature which later publishes (``task.s(x).apply_async()``).
SIGNATURE_METHODS = ("s", "si", "signature", "set")
# Registry accessors that return the task registered for a function given as their one argument
# (a Pyramid request method: ``request.task(send_email).delay(...)``, ``config.task(fn)``).
TASK_ACCESSOR_METHODS = ("task",)
# taskiq: ``task.kicker().with_labels(**labels).kiq(...)``: the labels are the carrier.
# quixstreams < 1: ``buffer.add_timestamp(t).add_value(...).add_tag("traceparent", tp).publish()``.
LABEL_METHODS = ("with_labels", "add_tag", "add_tags")
