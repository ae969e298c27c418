"""Library types and how their instances are obtained (constructors, factory methods, attributes).

Name resolution (``names.py``) reads these rows to know that ``boto3.client("sqs")`` is an SQS
client, or that ``connection.channel()`` is a pika channel.
"""
from .schema import ClassInfo, Factory

CLASSES = (
    # --- Kafka
    ClassInfo("kafka.KafkaProducer", "kafka-python", ("kafka.producer.KafkaProducer", "kafka.producer.kafka.KafkaProducer")),
    ClassInfo("kafka.KafkaConsumer", "kafka-python", ("kafka.consumer.KafkaConsumer", "kafka.consumer.group.KafkaConsumer")),
    ClassInfo("confluent_kafka.Producer", "confluent-kafka", ("confluent_kafka.cimpl.Producer",)),
    ClassInfo("confluent_kafka.SerializingProducer", "confluent-kafka", ("confluent_kafka.serializing_producer.SerializingProducer",)),
    ClassInfo("confluent_kafka.Consumer", "confluent-kafka", ("confluent_kafka.cimpl.Consumer",)),
    ClassInfo("confluent_kafka.DeserializingConsumer", "confluent-kafka", ("confluent_kafka.deserializing_consumer.DeserializingConsumer",)),
    ClassInfo("confluent_kafka.aio.AIOProducer", "confluent-kafka"),
    ClassInfo("confluent_kafka.aio.AsyncSerializingProducer", "confluent-kafka"),
    ClassInfo("aiokafka.AIOKafkaProducer", "aiokafka", ("aiokafka.producer.AIOKafkaProducer",)),
    ClassInfo("aiokafka.AIOKafkaConsumer", "aiokafka", ("aiokafka.consumer.AIOKafkaConsumer",)),
    # --- AMQP
    ClassInfo("pika.BlockingConnection", "pika", ("pika.adapters.blocking_connection.BlockingConnection",)),
    ClassInfo("pika.SelectConnection", "pika", ("pika.adapters.select_connection.SelectConnection",)),
    ClassInfo("pika.adapters.blocking_connection.BlockingChannel", "pika", ("pika.channel.Channel",)),
    ClassInfo("pika.BasicProperties", "pika", ("pika.spec.BasicProperties",)),
    # --- AWS (synthetic types: boto3 clients have no importable class)
    # (with the type-stub names an annotation gives them: mypy-boto3's `SQSClient`...)
    ClassInfo("boto3.client.sqs", "boto3", ("mypy_boto3_sqs.SQSClient", "mypy_boto3_sqs.client.SQSClient")),
    ClassInfo("boto3.client.sns", "boto3", ("mypy_boto3_sns.SNSClient", "mypy_boto3_sns.client.SNSClient")),
    ClassInfo("boto3.client.kinesis", "boto3", ("mypy_boto3_kinesis.KinesisClient",
                                                 "mypy_boto3_kinesis.client.KinesisClient")),
    ClassInfo("boto3.client.events", "boto3", ("mypy_boto3_events.EventBridgeClient",
                                                "mypy_boto3_events.client.EventBridgeClient")),
    ClassInfo("boto3.client.lambda", "boto3", ("mypy_boto3_lambda.LambdaClient", "mypy_boto3_lambda.client.LambdaClient")),
    ClassInfo("boto3.resource.sqs", "boto3"),
    ClassInfo("boto3.resource.sqs.Queue", "boto3"),
    ClassInfo("boto3.resource.sns", "boto3"),
    ClassInfo("boto3.resource.sns.Topic", "boto3"),
    ClassInfo("boto3.session.Session", "boto3", ("boto3.Session",)),
    # --- stdlib threads and processes
    ClassInfo("concurrent.futures.ThreadPoolExecutor", "stdlib", ("concurrent.futures.thread.ThreadPoolExecutor",)),
    ClassInfo("concurrent.futures.ProcessPoolExecutor", "stdlib", ("concurrent.futures.process.ProcessPoolExecutor",)),
    ClassInfo("concurrent.futures.Executor", "stdlib", ("concurrent.futures._base.Executor",)),
    ClassInfo("threading.Thread", "stdlib"),
    ClassInfo("threading.Timer", "stdlib"),
    ClassInfo("multiprocessing.Process", "stdlib", ("multiprocessing.context.Process",)),
    ClassInfo("multiprocessing.pool.Pool", "stdlib", ("multiprocessing.Pool",)),
    ClassInfo("multiprocessing.pool.ThreadPool", "stdlib", ("multiprocessing.dummy.Pool",)),
    ClassInfo("asyncio.AbstractEventLoop", "stdlib", ("asyncio.events.AbstractEventLoop", "asyncio.BaseEventLoop")),
    ClassInfo("contextvars.Context", "stdlib"),
)

FACTORIES = (
    # constructors whose result type is not the class itself
    Factory("multiprocessing.Pool", "()", "multiprocessing.pool.Pool"),
    Factory("multiprocessing.dummy.Pool", "()", "multiprocessing.pool.ThreadPool"),
    Factory("asyncio.get_event_loop", "()", "asyncio.AbstractEventLoop"),
    Factory("asyncio.get_running_loop", "()", "asyncio.AbstractEventLoop"),
    Factory("asyncio.new_event_loop", "()", "asyncio.AbstractEventLoop"),
    Factory("contextvars.copy_context", "()", "contextvars.Context"),
    # executors and pools are their own context managers
    Factory("concurrent.futures.ThreadPoolExecutor", "__enter__", "concurrent.futures.ThreadPoolExecutor"),
    Factory("concurrent.futures.ProcessPoolExecutor", "__enter__", "concurrent.futures.ProcessPoolExecutor"),
    Factory("multiprocessing.pool.Pool", "__enter__", "multiprocessing.pool.Pool"),
    Factory("multiprocessing.pool.ThreadPool", "__enter__", "multiprocessing.pool.ThreadPool"),
    Factory("kafka.KafkaProducer", "__enter__", "kafka.KafkaProducer"),
    # pika
    Factory("pika.BlockingConnection", "channel", "pika.adapters.blocking_connection.BlockingChannel"),
    Factory("pika.SelectConnection", "channel", "pika.adapters.blocking_connection.BlockingChannel"),
    Factory("pika.BlockingConnection", "__enter__", "pika.BlockingConnection"),
    # boto3 clients and resources
    Factory("boto3.client", "()", "boto3.client.sqs", "sqs"),
    Factory("boto3.client", "()", "boto3.client.sns", "sns"),
    Factory("boto3.client", "()", "boto3.client.kinesis", "kinesis"),
    Factory("boto3.client", "()", "boto3.client.events", "events"),
    Factory("boto3.client", "()", "boto3.client.lambda", "lambda"),
    Factory("boto3.session.Session", "client", "boto3.client.sqs", "sqs"),
    Factory("boto3.session.Session", "client", "boto3.client.sns", "sns"),
    Factory("boto3.session.Session", "client", "boto3.client.kinesis", "kinesis"),
    Factory("boto3.session.Session", "client", "boto3.client.events", "events"),
    Factory("boto3.session.Session", "client", "boto3.client.lambda", "lambda"),
    Factory("boto3.resource", "()", "boto3.resource.sqs", "sqs"),
    Factory("boto3.resource", "()", "boto3.resource.sns", "sns"),
    Factory("boto3.session.Session", "resource", "boto3.resource.sqs", "sqs"),
    Factory("boto3.session.Session", "resource", "boto3.resource.sns", "sns"),
    Factory("boto3.resource.sqs", "Queue", "boto3.resource.sqs.Queue"),
    Factory("boto3.resource.sqs", "get_queue_by_name", "boto3.resource.sqs.Queue"),
    Factory("boto3.resource.sqs", "create_queue", "boto3.resource.sqs.Queue"),
    Factory("boto3.resource.sns", "Topic", "boto3.resource.sns.Topic"),
    Factory("boto3.resource.sns", "create_topic", "boto3.resource.sns.Topic"),
)

# Standard-library base classes that call no method of a subclass by name except these hooks
# (``threading.Thread`` runs ``run``): a method of a project class built on them, that nothing in
# the project calls or names, is dead code (``program/context.py``). Any other library base may
# be a framework's, which calls its subclasses' methods (a view's ``get``, a handler's ``emit``).
# Library base classes whose methods the library calls outside any request: a prometheus_client
# custom collector's ``collect``/``describe`` run when the registry is scraped (by the client's
# own HTTP server thread, a push, or an exposition endpoint), so they start with no trace context.
CONTEXT_FREE_CALLBACKS = {
    "prometheus_client.registry.Collector": ("collect", "describe"),
    "prometheus_client.Collector": ("collect", "describe"),
    "prometheus_client.core.Collector": ("collect", "describe"),
}

# Django runs these when some code saves, deletes or validates a model: the methods of a model
# (through the project's own bases), and of a ModelAdmin (whose actions and hooks the admin site
# runs in its requests). They run inside the request, task or command that saves the model, so they
# have a context only where Django's requests or the tasks are traced, or a span of the project
# holds the save.
FRAMEWORK_CALLBACK_BASES = {
    "django.db.models.Model": ("save", "delete", "clean", "full_clean", "save_base", "clean_fields"),
    "django.db.models.base.Model": ("save", "delete", "clean", "full_clean", "save_base", "clean_fields"),
    "django.contrib.admin.ModelAdmin": "*",
    "django.contrib.admin.options.ModelAdmin": "*",
}
# Calls that save or delete a model (firing its hooks and its `pre_save`/`post_save`/`post_delete`
# signals), made on objects of any type: `order.save()`, `Order.objects.create(...)`
MODEL_SAVE_METHODS = ("save", "delete", "create", "bulk_create", "get_or_create", "update_or_create")
# ... of which these take no positional argument on a model (`cache.delete(key)` is no model's)
MODEL_SAVE_NO_POSITIONAL = ("save", "delete")

# Library base classes whose methods handle a websocket connection's events (Django Channels'
# consumers): a span holds them only where an instrumentation of the process traces websocket
# connections (OpenTelemetry's ASGI middleware around the application: ``server:websocket``);
# DjangoInstrumentor's middleware traces HTTP requests only.
_CHANNELS_METHODS = ("connect", "disconnect", "receive", "receive_json", "websocket_connect",
                     "websocket_receive", "websocket_disconnect")
WEBSOCKET_CONSUMERS = {
    f"channels.generic.websocket.{cls}": _CHANNELS_METHODS
    for cls in ("WebsocketConsumer", "AsyncWebsocketConsumer", "JsonWebsocketConsumer", "AsyncJsonWebsocketConsumer")
}

INERT_BASES = {
    "builtins.object": (), "builtins.Exception": (), "builtins.BaseException": (),
    "abc.ABC": (), "typing.Generic": (), "typing.Protocol": (), "enum.Enum": (),
    "threading.Thread": ("run",), "multiprocessing.Process": ("run",),
    "multiprocessing.pool.Pool": (), "multiprocessing.pool.ThreadPool": (),
}
