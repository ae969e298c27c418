"""Which calls and functions consume messages, and where each message's carrier lives.

Facts: ``../shared/domain.md`` §B (consume APIs), §C.4 (what each instrumentation really wraps),
§E (ddtrace) and the rule-matcher table §G / §G.2. ``propagation_lint/consuming.py`` reads these
rows; no library name appears in its code.

The rows describe *shapes*: what a consumed value is and how to get from it to one message.

- :class:`Shape`: ``message`` (one message, with the expression of its carrier and the key of the
  suggestion that shows how to read it), ``batch`` (several messages processed together;
  ``element`` is the shape of each), ``stream`` (an endless iterator: each iteration is one
  message, never a batch), or ``container`` (a value holding batches: ``members`` maps
  ``["Messages"]`` / ``.get("Messages")`` / ``.received_messages`` / ``.items()`` / ``.values()``
  to shapes; ``items`` is the shape of ``(key, value)`` tuples when iterated).
  ``tuple_elements`` gives the shape of each element when the value is a tuple
  (``for method, properties, body in channel.consume(q)``).
- :class:`Receive`: a call (or attribute) on a known receiver type that returns a shape; iterating
  a receiver (``for record in consumer``) is the pseudo-method ``__iter__``.
- :class:`Callback`: a call that registers a function the library calls with each message (or a
  batch), with the index of the message parameter (``self`` excluded).
- :class:`TaskEntry`: decorators that make a function a task the worker calls (Celery, dramatiq...).
- :class:`LambdaSource`: how to recognise the event source of an AWS Lambda handler from the keys
  it reads.
- Destinations (for the propagation map): ``destination`` on a :class:`Receive` / :class:`Callback`
  row names the argument of that call that says what is consumed (``basic_consume(queue=...)``,
  ``receive_message(QueueUrl=...)``); :class:`Source` rows name it on the call that created the
  consumer or subscribed it (``KafkaConsumer(*topics)``, ``consumer.subscribe([...])``,
  ``channel.declare_queue(name)``, ``nc.subscribe(subject)``) and on wrappers of a name
  (``kombu.Queue(name)``, ``subscriber.subscription_path(project, name)``).

``pattern`` names the instrumentor coverage key ``<library>:consume:<pattern>`` listed in
``catalog/instrumentors.py``: an instrumentor covers a consumer only where it really wraps the
user's processing (§C.4: kafka-python iteration, ``poll()``, aiokafka loops, aio-pika iterators,
confluent ``Serializing``/``Deserializing`` classes, redis, kombu, nats, pulsar, mqtt are not).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Tuple

from .schema import Arg, ClassInfo, Factory


@dataclass(frozen=True)
class Shape:
    key: str
    kind: str  # message | batch | stream | container
    library: str
    element: str = ""
    members: Tuple[Tuple[str, str], ...] = ()
    items: str = ""  # shape of the (key, value) tuples of `.items()`
    tuple_elements: Tuple[str, ...] = ()
    carrier: str = ""  # message: the carrier expression, "{m}" is the message variable
    carrier_kind: str = ""  # message: key into suggestions.CONSUME_SUGGESTIONS

    def member(self, name: str) -> str:
        for k, v in self.members:
            if k == name:
                return v
        return ""


@dataclass(frozen=True)
class Receive:
    library: str
    method: str  # method name, ".attr" for an attribute, "__iter__" for `for m in receiver`
    receiver: str
    result: str  # shape key
    pattern: str
    # how many messages one call returns: a literal 1 (or the default when absent) is not a batch
    count: Optional[Arg] = None
    default_count: int = 1
    is_async: Optional[bool] = None  # __iter__ rows: only `async for` (True) / only `for` (False)
    # when the receiver cannot be resolved: a regex on the receiver's last name, in files that
    # import one of ``hint_modules``
    hint_receiver: str = ""
    hint_modules: Tuple[str, ...] = ()
    destination: Optional[Arg] = None  # the argument of this call naming what is consumed


@dataclass(frozen=True)
class Callback:
    library: str
    method: str  # method name, or "=" + attribute for `client.on_message = fn`
    receiver: str = ""
    function: str = ""  # a constructor or function (kombu.Consumer(..., callbacks=[fn]))
    args: Tuple[Arg, ...] = ()  # where the callback may be passed; a list value holds several
    message_param: int = 0
    shape: str = ""
    pattern: str = ""
    any_keyword: bool = False  # redis `pubsub.subscribe(channel=handler)`: every keyword is a callback
    hint_receiver: str = ""
    hint_modules: Tuple[str, ...] = ()
    # the argument of the registration naming what is consumed (an ``any_keyword`` row: the keyword)
    destination: Optional[Arg] = None


@dataclass(frozen=True)
class TaskEntry:
    """Decorators that turn a function into a task run by a worker with one message."""

    library: str
    qnames: Tuple[str, ...] = ()  # qualified decorators
    attrs: Tuple[str, ...] = ()  # `@<app>.task`: the attribute, in files importing ``modules``
    modules: Tuple[str, ...] = ()
    pattern: str = "task"
    carrier_kind: str = ""
    # the decorator argument naming the task (the map's destination); absent: the function's qname
    destination: Optional[Arg] = None


@dataclass(frozen=True)
class LambdaSource:
    library: str
    # words the handler's code uses for records of this source (any of them)
    keys: Tuple[str, ...]
    carrier_kind: str
    pattern: str
    batch: bool = True  # records arrive in batches (`event["Records"]`)


@dataclass(frozen=True)
class Source:
    """Where a consumer names what it consumes when the receive call itself does not: an argument
    of the call that created the consumer (``method="()"``: ``callee`` is the constructor or factory
    function) or of a method called on it or on what created it (``callee`` is the receiver's
    type). ``many``: every positional argument from ``arg.position`` on names one
    (``KafkaConsumer(*topics)``); a list, tuple or set value always holds several, a dict its keys.
    A row whose call is found as a destination value stands for its argument
    (``kombu.Queue("orders")`` is the queue ``orders``)."""

    library: str
    callee: str
    method: str
    arg: Arg
    many: bool = False


# ----------------------------------------------------------------------------- types
CLASSES = (
    ClassInfo("aio_pika.Queue", "aio-pika", ("aio_pika.queue.Queue", "aio_pika.RobustQueue", "aio_pika.robust_queue.RobustQueue",
                                             "aio_pika.abc.AbstractQueue", "aio_pika.abc.AbstractRobustQueue")),
    ClassInfo("aio_pika.QueueIterator", "aio-pika", ("aio_pika.queue.QueueIterator", "aio_pika.abc.AbstractQueueIterator")),
    ClassInfo("aio_pika.IncomingMessage", "aio-pika", ("aio_pika.message.IncomingMessage", "aio_pika.abc.AbstractIncomingMessage")),
    ClassInfo("kombu.Consumer", "kombu", ("kombu.messaging.Consumer",)),
    ClassInfo("kombu.mixins.ConsumerMixin", "kombu", ()),
    ClassInfo("google.cloud.pubsub_v1.SubscriberClient", "google-cloud-pubsub",
              ("google.cloud.pubsub.SubscriberClient", "google.cloud.pubsub_v1.subscriber.Client",
               "google.cloud.pubsub_v1.subscriber.client.Client")),
    ClassInfo("azure.servicebus.ServiceBusReceiver", "azure-servicebus",
              ("azure.servicebus._servicebus_receiver.ServiceBusReceiver", "azure.servicebus.aio.ServiceBusReceiver",
               "azure.servicebus.aio._servicebus_receiver_async.ServiceBusReceiver")),
    ClassInfo("azure.eventhub.EventHubConsumerClient", "azure-eventhub",
              ("azure.eventhub._consumer_client.EventHubConsumerClient", "azure.eventhub.aio.EventHubConsumerClient",
               "azure.eventhub.aio._consumer_client_async.EventHubConsumerClient")),
    ClassInfo("nats.aio.subscription.Subscription", "nats-py", ()),
    ClassInfo("nats.js.client.JetStreamContext.PullSubscription", "nats-py", ()),
    ClassInfo("redis.client.PubSub", "redis-py", ("redis.asyncio.client.PubSub",)),
    ClassInfo("pulsar.Consumer", "pulsar-client", ("pulsar.asyncio.Consumer",)),
    # gcloud-aio-pubsub: subscribe(subscription, handler, subscriber_client, ...) -> handler(SubscriberMessage)
    ClassInfo("gcloud.aio.pubsub.SubscriberClient", "gcloud-aio-pubsub", ("gcloud.aio.pubsub.subscriber_client.SubscriberClient",)),
    # quixstreams < 1: stream consumers; callbacks are assigned (`stream.timeseries.on_dataframe_received = fn`)
    ClassInfo("aws_lambda_powertools.utilities.batch.BatchProcessor", "aws-lambda-powertools",
              ("aws_lambda_powertools.utilities.batch.base.BatchProcessor",)),
    ClassInfo("aws_lambda_powertools.utilities.batch.AsyncBatchProcessor", "aws-lambda-powertools",
              ("aws_lambda_powertools.utilities.batch.base.AsyncBatchProcessor",)),
    ClassInfo("quixstreams.StreamConsumer", "quixstreams", ()),
    ClassInfo("quixstreams.StreamTimeseriesConsumer", "quixstreams", ()),
    ClassInfo("quixstreams.StreamEventsConsumer", "quixstreams", ()),
    ClassInfo("quixstreams.TimeseriesBufferConsumer", "quixstreams", ()),
)

# Connections, channels and clients (aio_pika.Channel, kombu.Connection, redis.Redis, nats, pulsar,
# paho, Service Bus) are listed with the publishing rows (catalog/publishers.py); these rows add
# what only consumers obtain from them.
FACTORIES = (
    # aio-pika: channel -> queue -> iterator
    Factory("aio_pika.Channel", "declare_queue", "aio_pika.Queue"),
    Factory("aio_pika.Channel", "get_queue", "aio_pika.Queue"),
    Factory("aio_pika.Queue", "iterator", "aio_pika.QueueIterator"),
    Factory("aio_pika.QueueIterator", "__enter__", "aio_pika.QueueIterator"),
    # kombu
    Factory("kombu.Connection", "Consumer", "kombu.Consumer"),
    Factory("kombu.Consumer", "__enter__", "kombu.Consumer"),
    # Pub/Sub
    Factory("google.cloud.pubsub_v1.SubscriberClient", "__enter__", "google.cloud.pubsub_v1.SubscriberClient"),
    # Service Bus
    Factory("azure.servicebus.ServiceBusClient", "get_queue_receiver", "azure.servicebus.ServiceBusReceiver"),
    Factory("azure.servicebus.ServiceBusClient", "get_subscription_receiver", "azure.servicebus.ServiceBusReceiver"),
    Factory("azure.servicebus.ServiceBusReceiver", "__enter__", "azure.servicebus.ServiceBusReceiver"),
    # Event Hubs
    Factory("azure.eventhub.EventHubConsumerClient.from_connection_string", "()", "azure.eventhub.EventHubConsumerClient"),
    Factory("azure.eventhub.aio.EventHubConsumerClient.from_connection_string", "()", "azure.eventhub.EventHubConsumerClient"),
    Factory("azure.eventhub.EventHubConsumerClient", "__enter__", "azure.eventhub.EventHubConsumerClient"),
    # NATS
    Factory("nats.aio.client.Client", "subscribe", "nats.aio.subscription.Subscription"),
    Factory("nats.js.client.JetStreamContext", "subscribe", "nats.aio.subscription.Subscription"),
    Factory("nats.js.client.JetStreamContext", "pull_subscribe", "nats.js.client.JetStreamContext.PullSubscription"),
    # redis
    Factory("redis.Redis", "pubsub", "redis.client.PubSub"),
    Factory("redis.client.PubSub", "__enter__", "redis.client.PubSub"),
    # pulsar
    Factory("pulsar.Client", "subscribe", "pulsar.Consumer"),
    Factory("gcloud.aio.pubsub.SubscriberClient", "__enter__", "gcloud.aio.pubsub.SubscriberClient"),
    Factory("quixstreams.StreamConsumer", ".timeseries", "quixstreams.StreamTimeseriesConsumer"),
    Factory("quixstreams.StreamConsumer", ".events", "quixstreams.StreamEventsConsumer"),
    Factory("quixstreams.StreamTimeseriesConsumer", "create_buffer", "quixstreams.TimeseriesBufferConsumer"),
)

# ----------------------------------------------------------------------------- shapes
_KAFKA_HEADERS = "{m}.headers"
SHAPES = (
    # Kafka
    Shape("kafka-python:record", "message", "kafka-python", carrier=_KAFKA_HEADERS, carrier_kind="kafka-headers"),
    Shape("kafka-python:records", "batch", "kafka-python", element="kafka-python:record"),
    Shape("kafka-python:poll", "container", "kafka-python", members=((".values()", "kafka-python:values"), ("[]", "kafka-python:records")),
          items="kafka-python:poll-item"),
    Shape("kafka-python:poll-item", "container", "kafka-python", tuple_elements=("", "kafka-python:records")),
    Shape("kafka-python:values", "container", "kafka-python", element="kafka-python:records"),
    Shape("aiokafka:record", "message", "aiokafka", carrier=_KAFKA_HEADERS, carrier_kind="kafka-headers"),
    Shape("aiokafka:records", "batch", "aiokafka", element="aiokafka:record"),
    Shape("aiokafka:getmany", "container", "aiokafka", members=((".values()", "aiokafka:values"), ("[]", "aiokafka:records")),
          items="aiokafka:getmany-item"),
    Shape("aiokafka:getmany-item", "container", "aiokafka", tuple_elements=("", "aiokafka:records")),
    Shape("aiokafka:values", "container", "aiokafka", element="aiokafka:records"),
    Shape("confluent-kafka:message", "message", "confluent-kafka", carrier="{m}.headers()", carrier_kind="confluent-headers"),
    Shape("confluent-kafka:messages", "batch", "confluent-kafka", element="confluent-kafka:message"),
    # AMQP
    Shape("pika:properties", "message", "pika", carrier="{m}.headers", carrier_kind="pika-properties"),
    Shape("pika:delivery", "container", "pika", tuple_elements=("", "pika:properties", "")),
    Shape("pika:generator", "stream", "pika", element="pika:delivery"),
    Shape("aio-pika:message", "message", "aio-pika", carrier="{m}.headers", carrier_kind="headers-dict"),
    Shape("aiormq:message", "message", "aiormq", carrier="{m}.header.properties.headers", carrier_kind="aiormq-message"),
    Shape("kombu:message", "message", "kombu", carrier="{m}.headers", carrier_kind="headers-dict"),
    # AWS
    Shape("boto3-sqs:response", "container", "boto3-sqs", members=(('["Messages"]', "boto3-sqs:messages"),)),
    Shape("boto3-sqs:messages", "batch", "boto3-sqs", element="boto3-sqs:message"),
    Shape("boto3-sqs:message", "message", "boto3-sqs", carrier='{m}["MessageAttributes"]', carrier_kind="sqs-message"),
    Shape("boto3-sqs:resource-messages", "batch", "boto3-sqs", element="boto3-sqs:resource-message"),
    Shape("boto3-sqs:resource-message", "message", "boto3-sqs", carrier="{m}.message_attributes", carrier_kind="sqs-resource-message"),
    Shape("boto3-kinesis:response", "container", "boto3-kinesis", members=(('["Records"]', "boto3-kinesis:records"),)),
    Shape("boto3-kinesis:records", "batch", "boto3-kinesis", element="boto3-kinesis:record"),
    Shape("boto3-kinesis:record", "message", "boto3-kinesis", carrier='{m}["Data"]', carrier_kind="kinesis-record"),
    Shape("aws-lambda:event", "container", "aws-lambda", members=(('["Records"]', "aws-lambda:records"),
                                                                  (".records", "aws-lambda:records"))),
    # MSK / self-managed Kafka: event["records"] = {"topic-partition": [record, ...]}
    Shape("aws-lambda:msk-event", "container", "aws-lambda", members=(('["records"]', "aws-lambda:msk-map"),)),
    Shape("aws-lambda:msk-map", "container", "aws-lambda", members=((".values()", "aws-lambda:msk-values"),
                                                                    ("[]", "aws-lambda:records")),
          items="aws-lambda:msk-item"),
    Shape("aws-lambda:msk-item", "container", "aws-lambda", tuple_elements=("", "aws-lambda:records")),
    Shape("aws-lambda:msk-values", "container", "aws-lambda", element="aws-lambda:records"),
    Shape("aws-lambda:records", "batch", "aws-lambda", element="aws-lambda:record"),
    Shape("aws-lambda:record", "message", "aws-lambda", carrier="{m}", carrier_kind="lambda-sqs"),
    # GCP / Azure / others
    Shape("google-cloud-pubsub:message", "message", "google-cloud-pubsub", carrier="{m}.attributes", carrier_kind="pubsub-message"),
    Shape("google-cloud-pubsub:pull", "container", "google-cloud-pubsub", members=((".received_messages", "google-cloud-pubsub:received"),)),
    Shape("google-cloud-pubsub:received", "batch", "google-cloud-pubsub", element="google-cloud-pubsub:received-message"),
    Shape("google-cloud-pubsub:received-message", "message", "google-cloud-pubsub", carrier="{m}.message.attributes",
          carrier_kind="pubsub-received"),
    Shape("azure-servicebus:message", "message", "azure-servicebus", carrier="{m}.application_properties", carrier_kind="servicebus-message"),
    Shape("azure-servicebus:messages", "batch", "azure-servicebus", element="azure-servicebus:message"),
    Shape("azure-eventhub:event", "message", "azure-eventhub", carrier="{m}.properties", carrier_kind="eventhub-event"),
    Shape("azure-eventhub:events", "batch", "azure-eventhub", element="azure-eventhub:event"),
    Shape("nats-py:msg", "message", "nats-py", carrier="{m}.headers", carrier_kind="nats-msg"),
    Shape("nats-py:stream", "stream", "nats-py", element="nats-py:msg"),
    Shape("nats-py:msgs", "batch", "nats-py", element="nats-py:msg"),
    Shape("redis-py:pubsub-message", "message", "redis-py", carrier='{m}["data"]', carrier_kind="redis-pubsub"),
    Shape("redis-py:listen", "stream", "redis-py", element="redis-py:pubsub-message"),
    Shape("redis-py:xread", "container", "redis-py", element="redis-py:stream-entries"),
    Shape("redis-py:stream-entries", "container", "redis-py", tuple_elements=("", "redis-py:entries")),
    Shape("redis-py:entries", "batch", "redis-py", element="redis-py:entry"),
    Shape("redis-py:entry", "container", "redis-py", tuple_elements=("", "redis-py:fields")),
    Shape("redis-py:fields", "message", "redis-py", carrier="{m}", carrier_kind="redis-stream"),
    Shape("pulsar-client:message", "message", "pulsar-client", carrier="{m}.properties()", carrier_kind="pulsar-message"),
    Shape("pulsar-client:messages", "batch", "pulsar-client", element="pulsar-client:message"),
    Shape("paho-mqtt:message", "message", "paho-mqtt", carrier="{m}.properties", carrier_kind="mqtt-message"),
    # AWS Lambda Powertools record handlers get an SQSRecord (a dict wrapper: `record.message_attributes`)
    Shape("powertools:sqs-record", "message", "aws-lambda", carrier="{m}.message_attributes",
          carrier_kind="powertools-sqs"),
    Shape("gcloud-aio-pubsub:message", "message", "gcloud-aio-pubsub", carrier="{m}.attributes", carrier_kind="pubsub-message"),
    Shape("gcloud-aio-pubsub:pull", "batch", "gcloud-aio-pubsub", element="gcloud-aio-pubsub:message"),
    # quixstreams < 1: tags are the only metadata (EventData.tags; a DataFrame's TAG__<name> columns)
    Shape("quixstreams:event-data", "message", "quixstreams", carrier="{m}.tags", carrier_kind="quix-tags"),
    Shape("quixstreams:timeseries-data", "message", "quixstreams", carrier="{m}.timestamps[0].tags", carrier_kind="quix-tags"),
    Shape("quixstreams:dataframe", "message", "quixstreams", carrier="{m}", carrier_kind="quix-dataframe-tags"),
)

_SQS = ("boto3", "aiobotocore", "aioboto3", "botocore")
_KAFKA_CONSUMER = r"(?i)^_?[a-z0-9_]*consumer$"

RECEIVES = (
    # kafka-python: iteration (`KafkaConsumer.__next__`), poll() -> {TopicPartition: [records]}
    Receive("kafka-python", "__iter__", "kafka.KafkaConsumer", "kafka-python:record", "iterate", is_async=False,
            hint_receiver=_KAFKA_CONSUMER, hint_modules=("kafka",)),
    Receive("kafka-python", "poll", "kafka.KafkaConsumer", "kafka-python:poll", "poll", default_count=2,
            hint_receiver=_KAFKA_CONSUMER, hint_modules=("kafka",)),
    # confluent-kafka: poll(timeout) -> Message; consume(num_messages=1, timeout=-1) -> [Message]
    Receive("confluent-kafka", "poll", "confluent_kafka.Consumer", "confluent-kafka:message", "poll",
            hint_receiver=_KAFKA_CONSUMER, hint_modules=("confluent_kafka",)),
    Receive("confluent-kafka", "consume", "confluent_kafka.Consumer", "confluent-kafka:messages", "consume",
            count=Arg("num_messages", 0), hint_receiver=_KAFKA_CONSUMER, hint_modules=("confluent_kafka",)),
    Receive("confluent-kafka", "poll", "confluent_kafka.DeserializingConsumer", "confluent-kafka:message", "poll"),
    Receive("confluent-kafka", "consume", "confluent_kafka.DeserializingConsumer", "confluent-kafka:messages", "consume",
            count=Arg("num_messages", 0)),
    # aiokafka: `async for msg in consumer`, getone(), getmany() -> {tp: [records]}
    Receive("aiokafka", "__iter__", "aiokafka.AIOKafkaConsumer", "aiokafka:record", "iterate", is_async=True,
            hint_receiver=_KAFKA_CONSUMER, hint_modules=("aiokafka",)),
    Receive("aiokafka", "getone", "aiokafka.AIOKafkaConsumer", "aiokafka:record", "getone",
            hint_receiver=_KAFKA_CONSUMER, hint_modules=("aiokafka",)),
    Receive("aiokafka", "getmany", "aiokafka.AIOKafkaConsumer", "aiokafka:getmany", "getmany", default_count=2,
            hint_receiver=_KAFKA_CONSUMER, hint_modules=("aiokafka",)),
    # pika: `for method, properties, body in channel.consume(queue)`, basic_get -> (method, properties, body)
    Receive("pika", "consume", "pika.adapters.blocking_connection.BlockingChannel", "pika:generator", "consume",
            hint_receiver=r"(?i)chan|^ch$", hint_modules=("pika",), destination=Arg("queue", 0)),
    Receive("pika", "basic_get", "pika.adapters.blocking_connection.BlockingChannel", "pika:delivery", "basic_get",
            hint_receiver=r"(?i)chan|^ch$", hint_modules=("pika",), destination=Arg("queue", 0)),
    # aio-pika: `async with queue.iterator() as it: async for message in it`, `async for m in queue`, queue.get()
    Receive("aio-pika", "__iter__", "aio_pika.QueueIterator", "aio-pika:message", "iterator"),
    Receive("aio-pika", "__iter__", "aio_pika.Queue", "aio-pika:message", "iterator"),
    Receive("aio-pika", "get", "aio_pika.Queue", "aio-pika:message", "get"),
    # kombu SimpleQueue.get()
    Receive("kombu", "get", "kombu.simple.SimpleQueue", "kombu:message", "simple-queue"),
    Receive("kombu", "get_nowait", "kombu.simple.SimpleQueue", "kombu:message", "simple-queue"),
    # SQS: client receive_message -> {"Messages": [...]}; resource Queue.receive_messages -> [sqs.Message]
    Receive("boto3-sqs", "receive_message", "boto3.client.sqs", "boto3-sqs:response", "receive_message",
            count=Arg("MaxNumberOfMessages"), hint_receiver=r"(?i)sqs|queue|client", hint_modules=_SQS,
            destination=Arg("QueueUrl")),
    Receive("boto3-sqs", "receive_messages", "boto3.resource.sqs.Queue", "boto3-sqs:resource-messages", "receive_messages",
            count=Arg("MaxNumberOfMessages"), hint_receiver=r"(?i)queue", hint_modules=_SQS),
    # Kinesis get_records(ShardIterator=, Limit=)
    Receive("boto3-kinesis", "get_records", "boto3.client.kinesis", "boto3-kinesis:response", "get_records", default_count=2,
            hint_receiver=r"(?i)kinesis|client", hint_modules=_SQS),
    # Pub/Sub synchronous pull
    Receive("google-cloud-pubsub", "pull", "google.cloud.pubsub_v1.SubscriberClient", "google-cloud-pubsub:pull", "pull",
            default_count=2, destination=Arg("subscription")),
    # Service Bus receiver: iteration, receive_messages(max_message_count=1)
    Receive("azure-servicebus", "__iter__", "azure.servicebus.ServiceBusReceiver", "azure-servicebus:message", "iterate"),
    Receive("azure-servicebus", "receive_messages", "azure.servicebus.ServiceBusReceiver", "azure-servicebus:messages",
            "receive_messages", count=Arg("max_message_count", 0)),
    # NATS: `async for msg in sub.messages`, sub.next_msg(), JetStream pull fetch(batch=1)
    Receive("nats-py", ".messages", "nats.aio.subscription.Subscription", "nats-py:stream", "subscription"),
    Receive("nats-py", "next_msg", "nats.aio.subscription.Subscription", "nats-py:msg", "subscription"),
    Receive("nats-py", "fetch", "nats.js.client.JetStreamContext.PullSubscription", "nats-py:msgs", "fetch",
            count=Arg("batch", 0)),
    # redis-py pub/sub listen()/get_message(); streams xread/xreadgroup
    Receive("redis-py", "listen", "redis.client.PubSub", "redis-py:listen", "pubsub",
            hint_receiver=r"(?i)pubsub|^ps$|^p$|sub", hint_modules=("redis", "aioredis")),
    Receive("redis-py", "get_message", "redis.client.PubSub", "redis-py:pubsub-message", "pubsub",
            hint_receiver=r"(?i)pubsub|^ps$|^p$|sub", hint_modules=("redis", "aioredis")),
    Receive("redis-py", "xread", "redis.Redis", "redis-py:xread", "streams", default_count=2, destination=Arg("streams", 0)),
    Receive("redis-py", "xreadgroup", "redis.Redis", "redis-py:xread", "streams", default_count=2,
            destination=Arg("streams", 2)),
    # pulsar receive()/batch_receive()
    Receive("pulsar-client", "receive", "pulsar.Consumer", "pulsar-client:message", "receive"),
    Receive("pulsar-client", "batch_receive", "pulsar.Consumer", "pulsar-client:messages", "batch_receive", default_count=2),
    # gcloud-aio-pubsub: await SubscriberClient.pull(subscription, max_messages) -> [SubscriberMessage]
    Receive("gcloud-aio-pubsub", "pull", "gcloud.aio.pubsub.SubscriberClient", "gcloud-aio-pubsub:pull", "pull",
            count=Arg("max_messages", 1), default_count=2, destination=Arg("subscription", 0)),
)

CALLBACKS = (
    # pika basic_consume(queue, on_message_callback, ...) -> cb(channel, method, properties, body);
    # pika < 1.0 took the callback first (consumer_callback)
    Callback("pika", "basic_consume", "pika.adapters.blocking_connection.BlockingChannel",
             args=(Arg("on_message_callback", 1), Arg("consumer_callback", 0)), message_param=2, shape="pika:properties",
             pattern="basic_consume", hint_receiver=r"(?i)chan|^ch$", hint_modules=("pika",), destination=Arg("queue", 0)),
    # aiormq basic_consume(queue, consumer_callback, ...) -> cb(message)
    Callback("aiormq", "basic_consume", "aiormq.Channel", args=(Arg("consumer_callback", 1),), message_param=0,
             shape="aiormq:message", pattern="basic_consume", hint_receiver=r"(?i)chan|^ch$", hint_modules=("aiormq",),
             destination=Arg("queue", 0)),
    # aio-pika queue.consume(callback) -> cb(message)
    Callback("aio-pika", "consume", "aio_pika.Queue", args=(Arg("callback", 0),), message_param=0,
             shape="aio-pika:message", pattern="consume", hint_receiver=r"(?i)queue|^q$", hint_modules=("aio_pika",)),
    # kombu Consumer(channel, queues, callbacks=[fn(body, message)], on_message=fn(message)); register_callback
    Callback("kombu", "()", function="kombu.Consumer", args=(Arg("callbacks"),), message_param=1,
             shape="kombu:message", pattern="callbacks", destination=Arg("queues", 1)),
    Callback("kombu", "()", function="kombu.Consumer", args=(Arg("on_message"),), message_param=0,
             shape="kombu:message", pattern="callbacks", destination=Arg("queues", 1)),
    Callback("kombu", "Consumer", "kombu.Connection", args=(Arg("callbacks"),), message_param=1,
             shape="kombu:message", pattern="callbacks", destination=Arg("queues", 0)),
    Callback("kombu", "register_callback", "kombu.Consumer", args=(Arg("callback", 0),), message_param=1,
             shape="kombu:message", pattern="callbacks", hint_receiver=r"(?i)consumer", hint_modules=("kombu",)),
    # Pub/Sub subscriber.subscribe(subscription, callback) -> cb(message), on a scheduler thread
    Callback("google-cloud-pubsub", "subscribe", "google.cloud.pubsub_v1.SubscriberClient", args=(Arg("callback", 1),),
             message_param=0, shape="google-cloud-pubsub:message", pattern="subscribe",
             hint_receiver=r"(?i)subscriber", hint_modules=("google.cloud.pubsub_v1", "google.cloud.pubsub"),
             destination=Arg("subscription", 0)),
    # Event Hubs receive(on_event=cb(partition_context, event)), receive_batch(on_event_batch=cb(ctx, events))
    Callback("azure-eventhub", "receive", "azure.eventhub.EventHubConsumerClient", args=(Arg("on_event", 0),),
             message_param=1, shape="azure-eventhub:event", pattern="receive",
             hint_receiver=r"(?i)consumer|client", hint_modules=("azure.eventhub",)),
    Callback("azure-eventhub", "receive_batch", "azure.eventhub.EventHubConsumerClient", args=(Arg("on_event_batch", 0),),
             message_param=1, shape="azure-eventhub:events", pattern="receive_batch",
             hint_receiver=r"(?i)consumer|client", hint_modules=("azure.eventhub",)),
    # nats subscribe(subject, queue="", cb=None, ...) -> async cb(msg); JetStream the same
    Callback("nats-py", "subscribe", "nats.aio.client.Client", args=(Arg("cb", 2),), message_param=0,
             shape="nats-py:msg", pattern="subscribe", hint_receiver=r"(?i)nc|nats|js|jetstream|client", hint_modules=("nats",),
             destination=Arg("subject", 0)),
    Callback("nats-py", "subscribe", "nats.js.client.JetStreamContext", args=(Arg("cb", 2),), message_param=0,
             shape="nats-py:msg", pattern="subscribe", destination=Arg("subject", 0)),
    # redis pubsub.subscribe(channel=handler) / psubscribe(pattern=handler) -> handler(message)
    Callback("redis-py", "subscribe", "redis.client.PubSub", message_param=0, shape="redis-py:pubsub-message",
             pattern="pubsub", any_keyword=True, hint_receiver=r"(?i)pubsub|^ps$|^p$", hint_modules=("redis", "aioredis"),
             destination=Arg("channel", kwargs=True)),
    Callback("redis-py", "psubscribe", "redis.client.PubSub", message_param=0, shape="redis-py:pubsub-message",
             pattern="pubsub", any_keyword=True, hint_receiver=r"(?i)pubsub|^ps$|^p$", hint_modules=("redis", "aioredis"),
             destination=Arg("channel", kwargs=True)),
    # pulsar client.subscribe(topic, subscription_name, ..., message_listener=fn(consumer, msg))
    Callback("pulsar-client", "subscribe", "pulsar.Client", args=(Arg("message_listener"),), message_param=1,
             shape="pulsar-client:message", pattern="listener", hint_receiver=r"(?i)client|pulsar", hint_modules=("pulsar",),
             destination=Arg("topic", 0)),
    # paho-mqtt client.on_message = fn(client, userdata, msg); message_callback_add(sub, fn)
    Callback("paho-mqtt", "=on_message", "paho.mqtt.client.Client", message_param=2, shape="paho-mqtt:message",
             pattern="on_message", hint_receiver=r"(?i)client|mqtt|^c$", hint_modules=("paho",)),
    Callback("paho-mqtt", "message_callback_add", "paho.mqtt.client.Client", args=(Arg("callback", 1),), message_param=2,
             shape="paho-mqtt:message", pattern="on_message", hint_receiver=r"(?i)client|mqtt|^c$", hint_modules=("paho",),
             destination=Arg("sub", 0)),
    # AWS Lambda Powertools batch utility: process_partial_response(event, record_handler, processor,
    # context), the @batch_processor(record_handler=..., processor=...) decorator and
    # `with processor(records, handler):` call the record handler once per record
    *(Callback("aws-lambda", "()", function=f"aws_lambda_powertools.utilities.batch.{fn}",
               args=(Arg("record_handler", 1),), message_param=0, shape="powertools:sqs-record", pattern="sqs")
      for fn in ("process_partial_response", "async_process_partial_response")),
    *(Callback("aws-lambda", "()", function=f"aws_lambda_powertools.utilities.batch.{fn}",
               args=(Arg("record_handler"),), message_param=0, shape="powertools:sqs-record", pattern="sqs")
      for fn in ("batch_processor", "async_batch_processor")),
    *(Callback("aws-lambda", "__call__", receiver=f"aws_lambda_powertools.utilities.batch.{cls}",
               args=(Arg("handler", 1),), message_param=0, shape="powertools:sqs-record", pattern="sqs")
      for cls in ("BatchProcessor", "AsyncBatchProcessor")),
    Callback("gcloud-aio-pubsub", "()", function="gcloud.aio.pubsub.subscribe", args=(Arg("handler", 1),),
             message_param=0, shape="gcloud-aio-pubsub:message", pattern="subscribe", destination=Arg("subscription", 0)),
    # quixstreams < 1: handler(stream_consumer, data)
    Callback("quixstreams", "=on_dataframe_received", "quixstreams.StreamTimeseriesConsumer", message_param=1,
             shape="quixstreams:dataframe", pattern="stream"),
    Callback("quixstreams", "=on_data_received", "quixstreams.StreamTimeseriesConsumer", message_param=1,
             shape="quixstreams:timeseries-data", pattern="stream"),
    Callback("quixstreams", "=on_data_received", "quixstreams.StreamEventsConsumer", message_param=1,
             shape="quixstreams:event-data", pattern="stream"),
    Callback("quixstreams", "=on_dataframe_released", "quixstreams.TimeseriesBufferConsumer", message_param=1,
             shape="quixstreams:dataframe", pattern="stream"),
    Callback("quixstreams", "=on_data_released", "quixstreams.TimeseriesBufferConsumer", message_param=1,
             shape="quixstreams:timeseries-data", pattern="stream"),
)

TASK_ENTRIES = (
    TaskEntry("celery", ("celery.shared_task", "celery.task", "celery.app.shared_task"), ("task",), ("celery",),
              carrier_kind="celery-task", destination=Arg("name")),
    TaskEntry("dramatiq", ("dramatiq.actor",), ("actor",), ("dramatiq",), pattern="actor", carrier_kind="dramatiq-actor",
              destination=Arg("actor_name")),
    TaskEntry("remoulade", ("remoulade.actor",), ("actor",), ("remoulade",), pattern="actor", carrier_kind="dramatiq-actor",
              destination=Arg("actor_name")),
    TaskEntry("rq", ("rq.decorators.job", "rq.job"), (), ("rq",), pattern="job", carrier_kind="rq-job"),
    # faust: `@app.agent(topic) async def process(stream): async for event in stream: ...`; the headers
    # of the event being processed are `stream.current_event.headers` (no instrumentation propagates)
    TaskEntry("faust", (), ("agent",), ("faust",), pattern="agent", carrier_kind="faust-event",
              destination=Arg("channel", 0)),
    # FastStream: `@broker.subscriber("topic")` / `@router.subscriber(...)`; the handler reads the
    # decoded body, the headers are on the message (`message: KafkaMessage`, `Context("message")`)
    TaskEntry("faststream", (), ("subscriber",), ("faststream",), pattern="subscriber",
              carrier_kind="faststream-message", destination=Arg("queue", 0)),
    # taskiq: `@broker.task` functions; the context travels in the message's labels
    TaskEntry("taskiq", (), ("task",), ("taskiq",), pattern="task", carrier_kind="taskiq-labels"),
    # huey: `@huey.task()` (djhuey's `@task()` / `@db_task()`); a huey message has no headers, only the
    # task's arguments (periodic tasks are started by the scheduler: no producer, no context)
    TaskEntry("huey", ("huey.contrib.djhuey.task", "huey.contrib.djhuey.db_task"), ("task",), ("huey",),
              pattern="task", carrier_kind="huey-task"),
)

# AWS Lambda handlers: a function `(event, context)` whose records say where they come from.
LAMBDA_HANDLER_NAMES = r"(?i)handler|^main$|^handle$|lambda"
LAMBDA_EVENT_PARAMS = ("event", "evt", "e", "event_data", "lambda_event", "raw_event")
LAMBDA_CONTEXT_PARAMS = ("context", "ctx", "_context", "lambda_context", "_ctx", "_")
LAMBDA_SOURCES = (
    LambdaSource("aws-lambda-sqs", ("messageAttributes", "receiptHandle", "aws:sqs", "eventSourceARN", "body", "messageId"),
                 "lambda-sqs", "sqs"),
    LambdaSource("aws-lambda-sns", ("Sns", "aws:sns"), "lambda-sns", "sns"),
    LambdaSource("aws-lambda-kinesis", ("kinesis", "aws:kinesis"), "lambda-kinesis", "kinesis"),
)
# A handler of any name is recognised by its shape where a record key names the event source for
# sure (the generic SQS keys "body"/"messageId" alone do not): ``def process_orders(event, context)``
# reading ``event["Records"]`` and ``record["messageAttributes"]``, whatever file deploys it
LAMBDA_SHAPE_KEYS = ("aws:sqs", "messageAttributes", "receiptHandle", "eventSourceARN", "Sns", "aws:sns",
                     "kinesis", "aws:kinesis")
# MSK / self-managed Kafka: event["records"]["topic-partition"][i]["headers"]
LAMBDA_MSK = LambdaSource("aws-lambda-msk", ("aws:kafka", "SelfManagedKafka", "headers"), "lambda-msk", "msk")
# EventBridge: no Records; event["detail"]
LAMBDA_EVENTBRIDGE = LambdaSource("aws-lambda-eventbridge", ("detail-type", "detail"), "lambda-eventbridge", "eventbridge",
                                  batch=False)

# Where consumers name what they consume, when the receive or registration call does not
# (the propagation map's destinations). AWS Lambda event sources are configured outside the code:
# their destination stays unknown.
SOURCES = (
    # Kafka: KafkaConsumer(*topics), consumer.subscribe(topics=(), pattern=None)
    Source("kafka-python", "kafka.KafkaConsumer", "()", Arg("topics", 0), many=True),
    Source("kafka-python", "kafka.KafkaConsumer", "subscribe", Arg("topics", 0)),
    Source("kafka-python", "kafka.KafkaConsumer", "subscribe", Arg("pattern")),
    Source("aiokafka", "aiokafka.AIOKafkaConsumer", "()", Arg("topics", 0), many=True),
    Source("aiokafka", "aiokafka.AIOKafkaConsumer", "subscribe", Arg("topics", 0)),
    Source("aiokafka", "aiokafka.AIOKafkaConsumer", "subscribe", Arg("pattern")),
    Source("confluent-kafka", "confluent_kafka.Consumer", "subscribe", Arg("topics", 0)),
    Source("confluent-kafka", "confluent_kafka.DeserializingConsumer", "subscribe", Arg("topics", 0)),
    # aio-pika: queue = await channel.declare_queue(name) / get_queue(name); queue.consume(cb) / queue.iterator()
    Source("aio-pika", "aio_pika.Channel", "declare_queue", Arg("name", 0)),
    Source("aio-pika", "aio_pika.Channel", "get_queue", Arg("name", 0)),
    # kombu: Queue(name, exchange, routing_key), connection.SimpleQueue(name)
    Source("kombu", "kombu.Queue", "()", Arg("name", 0)),
    Source("kombu", "kombu.Connection", "SimpleQueue", Arg("name", 0)),
    # SQS resource: sqs.Queue(url), sqs.get_queue_by_name(QueueName=)
    Source("boto3-sqs", "boto3.resource.sqs", "Queue", Arg("url", 0)),
    Source("boto3-sqs", "boto3.resource.sqs", "get_queue_by_name", Arg("QueueName")),
    # Pub/Sub: subscriber.subscription_path(project, subscription)
    Source("google-cloud-pubsub", "google.cloud.pubsub_v1.SubscriberClient", "subscription_path", Arg("subscription", 1)),
    # Service Bus receivers, Event Hubs clients
    Source("azure-servicebus", "azure.servicebus.ServiceBusClient", "get_queue_receiver", Arg("queue_name", 0)),
    Source("azure-servicebus", "azure.servicebus.ServiceBusClient", "get_subscription_receiver", Arg("topic_name", 0)),
    Source("azure-eventhub", "azure.eventhub.EventHubConsumerClient.from_connection_string", "()", Arg("eventhub_name")),
    Source("azure-eventhub", "azure.eventhub.aio.EventHubConsumerClient.from_connection_string", "()", Arg("eventhub_name")),
    Source("azure-eventhub", "azure.eventhub.EventHubConsumerClient", "()", Arg("eventhub_name")),
    # NATS: sub = await nc.subscribe(subject); js.pull_subscribe(subject, durable)
    Source("nats-py", "nats.aio.client.Client", "subscribe", Arg("subject", 0)),
    Source("nats-py", "nats.js.client.JetStreamContext", "subscribe", Arg("subject", 0)),
    Source("nats-py", "nats.js.client.JetStreamContext", "pull_subscribe", Arg("subject", 0)),
    # redis pub/sub: p.subscribe(*channels, **channel_handlers), p.psubscribe(*patterns)
    Source("redis-py", "redis.client.PubSub", "subscribe", Arg("channels", 0), many=True),
    Source("redis-py", "redis.client.PubSub", "psubscribe", Arg("patterns", 0), many=True),
    # pulsar: consumer = client.subscribe(topic, subscription_name)
    Source("pulsar-client", "pulsar.Client", "subscribe", Arg("topic", 0)),
    # paho-mqtt: client.subscribe(topic) next to `client.on_message = fn`
    Source("paho-mqtt", "paho.mqtt.client.Client", "subscribe", Arg("topic", 0)),
)
