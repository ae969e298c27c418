"""Auto-instrumentations and exactly which calls they make propagate (domain.md §C.3, §C.4, §E).

``covers`` keys: ``<library>:<method>`` for publishes, ``<library>:consume:<pattern>`` for consumers,
``threads:<call>`` for hand-offs. What a row does not list, it does not cover.
"""
from .schema import ClientSwitch, Instrumentor, Launcher

# What installs an OpenTelemetry instrumentation: its own distribution, or the meta-distribution
# that depends on every contrib instrumentation. ``instruments``: the client versions it supports,
# from each instrumentation's ``package.py`` ``_instruments``/``_instruments_any``
# (opentelemetry-python-contrib @ 466ae4c00de7; aio-pika's ``< 11`` is the 0.66b1 wheel's, domain.md §0);
# ``opentelemetry-bootstrap`` installs one only where a listed client is in that range, and the
# ``default_instrumentations`` of its ``bootstrap_gen.py`` (threading) always.
_CONTRIB_ALL = "opentelemetry-contrib-instrumentations"


def _otel(name: str) -> tuple:
    return (f"opentelemetry-instrumentation-{name}", _CONTRIB_ALL)


# every ddtrace integration ships in the ddtrace distribution itself
_DDTRACE = ("ddtrace",)

INSTRUMENTORS = (
    Instrumentor(
        "otel-kafka-python", "opentelemetry.instrumentation.kafka.KafkaInstrumentor",
        ("kafka-python",), ("kafka-python:send",),  # its consumer span ends before the record reaches user code
        not_covers="poll() is not instrumented, and the consumer span ends before the record reaches your code",
        installed_by=_otel("kafka-python"), instruments=("kafka-python >= 2.0, < 4.0",),
    ),
    Instrumentor(
        "otel-confluent-kafka", "opentelemetry.instrumentation.confluent_kafka.ConfluentKafkaInstrumentor",
        ("confluent-kafka",), ("confluent-kafka:produce@confluent_kafka.Producer", "confluent-kafka:consume:poll@confluent_kafka.Consumer",
                               "confluent-kafka:consume:consume@confluent_kafka.Consumer"),
        not_covers="SerializingProducer/DeserializingConsumer and classes imported before instrument() are not patched",
        installed_by=_otel("confluent-kafka"), instruments=("confluent-kafka >= 1.8.2, < 3.0.0",),
    ),
    Instrumentor(
        "otel-aiokafka", "opentelemetry.instrumentation.aiokafka.AIOKafkaInstrumentor",
        ("aiokafka",), ("aiokafka:send", "aiokafka:send_and_wait"),
        not_covers="send_batch() is not covered; consumer loop bodies run outside the span",
        installed_by=_otel("aiokafka"), instruments=("aiokafka >= 0.8, < 1.0",),
    ),
    Instrumentor(
        "otel-pika", "opentelemetry.instrumentation.pika.PikaInstrumentor",
        ("pika",), ("pika:basic_publish", "pika:consume:basic_consume", "pika:consume:consume"),
        not_covers="channels created before instrument() and basic_get() are not covered",
        installed_by=_otel("pika"), instruments=("pika >= 0.12.0",),
    ),
    Instrumentor(
        "otel-aio-pika", "opentelemetry.instrumentation.aio_pika.AioPikaInstrumentor",
        ("aio-pika",), ("aio-pika:publish", "aio-pika:consume:consume"),
        not_covers="queue.iterator() loop bodies and queue.get() run outside the span",
        installed_by=_otel("aio-pika"), instruments=("aio_pika >= 7.2.0, < 11.0.0",),
    ),
    Instrumentor(
        "otel-celery", "opentelemetry.instrumentation.celery.CeleryInstrumentor",
        ("celery",), ("celery:apply_async", "celery:delay", "celery:send_task", "celery:consume:task"),
        not_covers="a prefork worker must call instrument() in worker_process_init; the web process needs its own call",
        installed_by=_otel("celery"), instruments=("celery >= 4.0, < 6.0",),
    ),
    Instrumentor(
        "otel-boto3sqs", "opentelemetry.instrumentation.boto3sqs.Boto3SQSInstrumentor",
        ("boto3-sqs",), ("boto3-sqs:send_message", "boto3-sqs:send_message_batch", "boto3-sqs:consume:receive_message@boto3.client.sqs",
                         "boto3-sqs:consume:attribute-names@boto3.client.sqs"),
        not_covers="the resource API and AWSTraceHeader are not covered",
        installed_by=_otel("boto3sqs"), instruments=("boto3 ~= 1.0",),
    ),
    Instrumentor(
        "otel-botocore", "opentelemetry.instrumentation.botocore.BotocoreInstrumentor",
        ("boto3-sns", "boto3-lambda"), ("boto3-sns:publish", "boto3-sns:publish_batch", "boto3-lambda:invoke"),
        not_covers="botocore's SQS extension injects nothing into MessageAttributes (only Boto3SQSInstrumentor does)",
        installed_by=_otel("botocore"), instruments=("botocore ~= 1.0", "aiobotocore >= 2.0, < 4.0"),
    ),
    Instrumentor(
        "otel-threading", "opentelemetry.instrumentation.threading.ThreadingInstrumentor",
        ("threading",), ("threads:Thread", "threads:Timer", "threads:ThreadPoolExecutor.submit",
                         "threads:ThreadPoolExecutor.map", "threads:run_in_executor"),
        not_covers="Thread subclasses that override run(), processes, gevent and custom executors are not covered",
        installed_by=_otel("threading"), bootstrap_default=True,
    ),
    Instrumentor(
        "otel-aws-lambda", "opentelemetry.instrumentation.aws_lambda.AwsLambdaInstrumentor",
        ("aws-lambda",), ("aws-lambda:consume:sqs",),
        not_covers="only SQS events get links; SNS, Kinesis, EventBridge and MSK events need an event_context_extractor",
        installed_by=_otel("aws-lambda"),
    ),
    Instrumentor(
        "otel-remoulade", "opentelemetry.instrumentation.remoulade.RemouladeInstrumentor",
        ("remoulade",), ("remoulade:send", "remoulade:consume:actor"),
        installed_by=_otel("remoulade"), instruments=("remoulade >= 0.50",),
    ),
    # --- publishing: ddtrace integrations (domain.md §E "Messaging defaults")
    Instrumentor(
        "ddtrace-botocore", "ddtrace.contrib.botocore", ("boto3-sqs", "boto3-sns", "boto3-kinesis", "boto3-events"),
        ("boto3-sqs:send_message", "boto3-sqs:send_message_batch", "boto3-sqs:send_messages",
         "boto3-sns:publish", "boto3-sns:publish_batch", "boto3-kinesis:put_record", "boto3-kinesis:put_records",
         "boto3-events:put_events"),
        system="ddtrace", installed_by=_DDTRACE,
        not_covers="Lambda invoke is not given a context; DD_BOTOCORE_DISTRIBUTED_TRACING=false turns injection off",
    ),
    Instrumentor(
        "ddtrace-kafka", "ddtrace.contrib.kafka", ("confluent-kafka",), (), system="ddtrace", installed_by=_DDTRACE,
        not_covers="ddtrace's Kafka propagation is off by default (DD_KAFKA_PROPAGATION_ENABLED=false); "
                   "a Data Streams checkpoint is not trace propagation",
    ),
    Instrumentor(
        "ddtrace-aiokafka", "ddtrace.contrib.aiokafka", ("aiokafka",), (), system="ddtrace", installed_by=_DDTRACE,
        not_covers="ddtrace's Kafka propagation is off by default (DD_KAFKA_PROPAGATION_ENABLED=false)",
    ),
    Instrumentor(
        "ddtrace-celery", "ddtrace.contrib.celery", ("celery",), (), system="ddtrace", installed_by=_DDTRACE,
        not_covers="Celery distributed tracing is off by default (DD_CELERY_DISTRIBUTED_TRACING=false)",
    ),
    Instrumentor(
        "ddtrace-dramatiq", "ddtrace.contrib.dramatiq", ("dramatiq",), (), system="ddtrace", installed_by=_DDTRACE,
        not_covers="it traces send_with_options() but does not propagate the context",
    ),
    Instrumentor(
        "ddtrace-kombu", "ddtrace.contrib.kombu", ("kombu",), ("kombu:publish",), system="ddtrace", installed_by=_DDTRACE,
        default_in_launcher=False, not_covers="the kombu integration is off by default",
    ),
    Instrumentor("ddtrace-rq", "ddtrace.contrib.rq", ("rq",),
                 ("rq:enqueue", "rq:enqueue_call", "rq:enqueue_in", "rq:enqueue_at"), system="ddtrace",
                 installed_by=_DDTRACE),
    Instrumentor("ddtrace-pubsub", "ddtrace.contrib.google_cloud_pubsub", ("google-cloud-pubsub",),
                 ("google-cloud-pubsub:publish",), system="ddtrace", installed_by=_DDTRACE),
    Instrumentor("ddtrace-servicebus", "ddtrace.contrib.azure_servicebus", ("azure-servicebus",),
                 ("azure-servicebus:send_messages", "azure-servicebus:schedule_messages"), system="ddtrace",
                 installed_by=_DDTRACE),
    Instrumentor("ddtrace-eventhubs", "ddtrace.contrib.azure_eventhubs", ("azure-eventhub",),
                 ("azure-eventhub:send_batch", "azure-eventhub:send_event"), system="ddtrace", installed_by=_DDTRACE),
    # --- publishing: library-native switches and the project's own publish hooks (found in code)
    Instrumentor("native-pubsub", "google.cloud.pubsub_v1.types.PublisherOptions", ("google-cloud-pubsub",),
                 ("google-cloud-pubsub:publish",), system="native", default_in_launcher=False),
    *(Instrumentor(f"native-faststream-{kind}", f"faststream.{kind}.opentelemetry.{cls}", ("faststream",),
                   ("faststream:publish", "faststream:consume:subscriber"), system="native", default_in_launcher=False)
      for kind, cls in (("kafka", "KafkaTelemetryMiddleware"), ("confluent", "KafkaTelemetryMiddleware"),
                        ("rabbit", "RabbitTelemetryMiddleware"), ("nats", "NatsTelemetryMiddleware"),
                        ("redis", "RedisTelemetryMiddleware"))),
    Instrumentor("native-taskiq", "taskiq.middlewares.opentelemetry_middleware.OpenTelemetryMiddleware", ("taskiq",),
                 ("taskiq:kiq", "taskiq:consume:task"), system="native", default_in_launcher=False),
    # --- web servers traced by a framework's own OpenTelemetry support, or by the generic ASGI and
    # WSGI middlewares wrapped around an application (``OpenTelemetryMiddleware(app)``)
    Instrumentor("native-litestar", "litestar.contrib.opentelemetry.OpenTelemetryPlugin", ("litestar",),
                 ("server:litestar",), system="native", default_in_launcher=False),
    Instrumentor("otel-asgi", "opentelemetry.instrumentation.asgi.OpenTelemetryMiddleware", ("asgi",),
                 tuple(f"server:{framework}" for framework in ("fastapi", "starlette", "litestar", "quart", "django",
                                                                "websocket")),
                 default_in_launcher=False, installed_by=_otel("asgi")),
    Instrumentor("otel-wsgi", "opentelemetry.instrumentation.wsgi.OpenTelemetryMiddleware", ("wsgi",),
                 tuple(f"server:{framework}" for framework in ("flask", "django", "pyramid", "falcon", "bottle")),
                 default_in_launcher=False, installed_by=_otel("wsgi")),
    # Azure SDK native tracing (azure-core): with a tracing implementation set, Service Bus and Event Hubs
    # senders write traceparent/Diagnostic-Id into each message's properties (their receive spans only
    # link to the messages: the handler's own spans are not connected)
    Instrumentor("native-azure", "azure.core.settings.settings.tracing_implementation",
                 ("azure-servicebus", "azure-eventhub"),
                 ("azure-servicebus:send_messages", "azure-servicebus:schedule_messages",
                  "azure-eventhub:send_batch", "azure-eventhub:send_event"), system="native", default_in_launcher=False,
                 not_covers="receive spans only link to the messages: spans started in the handler are not connected"),
    Instrumentor("hook-celery", "project-hook:celery", ("celery",),
                 ("celery:apply_async", "celery:delay", "celery:send_task"), system="project", default_in_launcher=False),
    Instrumentor("hook-dramatiq", "project-hook:dramatiq", ("dramatiq",),
                 ("dramatiq:send", "dramatiq:send_with_options"), system="project", default_in_launcher=False),
    Instrumentor("hook-taskiq", "project-hook:taskiq", ("taskiq",), ("taskiq:kiq",), system="project",
                 default_in_launcher=False),
    Instrumentor(
        "ddtrace-futures", "ddtrace.contrib.futures", ("threading",),
        ("threads:ThreadPoolExecutor.submit", "threads:ThreadPoolExecutor.map", "threads:run_in_executor"),
        system="ddtrace", installed_by=_DDTRACE,
    ),
    Instrumentor(
        "ddtrace-gevent", "ddtrace.contrib.gevent", ("gevent",), ("threads:gevent",),
        system="ddtrace", installed_by=_DDTRACE,
        not_covers="only the Datadog context is copied into greenlets (domain.md §D.5)",
    ),
)

# --- web servers: what makes a request handled by the process run in a span (the origins of a
# context in ``program/context.py``: a route or view is one only where its framework is traced)
_SERVERS = (
    ("django", "django", "opentelemetry.instrumentation.django.DjangoInstrumentor", "django >= 1.10"),
    ("flask", "flask", "opentelemetry.instrumentation.flask.FlaskInstrumentor", "flask >= 1.0"),
    ("fastapi", "fastapi", "opentelemetry.instrumentation.fastapi.FastAPIInstrumentor", "fastapi ~= 0.92"),
    ("starlette", "starlette", "opentelemetry.instrumentation.starlette.StarletteInstrumentor", "starlette >= 0.13"),
    ("aiohttp-server", "aiohttp", "opentelemetry.instrumentation.aiohttp_server.AioHttpServerInstrumentor",
     "aiohttp ~= 3.0"),
    ("tornado", "tornado", "opentelemetry.instrumentation.tornado.TornadoInstrumentor", "tornado >= 5.1.1"),
    ("falcon", "falcon", "opentelemetry.instrumentation.falcon.FalconInstrumentor", "falcon >= 1.4.1, < 5.0.0"),
    ("pyramid", "pyramid", "opentelemetry.instrumentation.pyramid.PyramidInstrumentor", "pyramid >= 1.7"),
    ("grpc", "grpcio", "opentelemetry.instrumentation.grpc.GrpcInstrumentorServer", "grpcio >= 1.42.0"),
)
SERVER_INSTRUMENTORS = tuple(
    Instrumentor(f"otel-{key}", qname, (framework,), (f"server:{framework}",),
                 installed_by=_otel(key if key != "grpc" else "grpc"), instruments=(requirement,))
    for key, framework, qname, requirement in _SERVERS
) + tuple(
    Instrumentor(f"ddtrace-{framework}", f"ddtrace.contrib.{framework}", (framework,), (f"server:{framework}",),
                 system="ddtrace", installed_by=_DDTRACE)
    for framework in ("django", "flask", "fastapi", "starlette", "aiohttp", "tornado", "falcon", "pyramid", "grpc")
)

# --- client libraries: what makes a process record spans of its database, cache and HTTP calls.
# They carry no message context; they say that a worker records telemetry a lost context would
# connect (``program/context.py``: a task that records nothing loses nothing).
_CLIENTS = (
    ("requests", "requests", "opentelemetry.instrumentation.requests.RequestsInstrumentor", "requests ~= 2.0"),
    ("httpx", "httpx", "opentelemetry.instrumentation.httpx.HTTPXClientInstrumentor", "httpx >= 0.18.0"),
    ("urllib3", "urllib3", "opentelemetry.instrumentation.urllib3.URLLib3Instrumentor", "urllib3 >= 1.0.0, < 3.0.0"),
    ("urllib", "urllib", "opentelemetry.instrumentation.urllib.URLLibInstrumentor", ""),
    ("psycopg2", "psycopg2", "opentelemetry.instrumentation.psycopg2.Psycopg2Instrumentor", "psycopg2 >= 2.7.3.1"),
    ("psycopg", "psycopg", "opentelemetry.instrumentation.psycopg.PsycopgInstrumentor", "psycopg >= 3.1.0"),
    ("sqlalchemy", "sqlalchemy", "opentelemetry.instrumentation.sqlalchemy.SQLAlchemyInstrumentor",
     "sqlalchemy >= 1.0.0, < 2.1.0"),
    ("asyncpg", "asyncpg", "opentelemetry.instrumentation.asyncpg.AsyncPGInstrumentor", "asyncpg >= 0.12.0"),
    ("pymongo", "pymongo", "opentelemetry.instrumentation.pymongo.PymongoInstrumentor", "pymongo >= 3.1, < 5.0"),
    ("redis", "redis", "opentelemetry.instrumentation.redis.RedisInstrumentor", "redis >= 2.6"),
)
CLIENT_INSTRUMENTORS = tuple(
    Instrumentor(f"otel-{key}", qname, (library,), (f"client:{library}",), installed_by=_otel(key),
                 instruments=(requirement,) if requirement else (), bootstrap_default=not requirement,
                 not_covers="it records the library's calls as spans; it carries no message context")
    for key, library, qname, requirement in _CLIENTS
) + tuple(
    Instrumentor(f"ddtrace-{library}", f"ddtrace.contrib.{library}", (library,), (f"client:{library}",),
                 system="ddtrace", installed_by=_DDTRACE,
                 not_covers="it records the library's calls as spans; it carries no message context")
    for library in ("requests", "httpx", "urllib3", "psycopg", "sqlalchemy", "asyncpg", "pymongo", "redis")
)
# --- vendor SDKs whose initialisation turns propagation on by itself
VENDOR_INSTRUMENTORS = (
    # `sentry_sdk.init(traces_sample_rate=...)` (Sentry as the tracing system) enables the Celery
    # integration whenever celery is installed (auto-enabling integrations); with its default
    # `propagate_traces=True` it wraps `Task.apply_async` to add `sentry-trace` and `baggage`
    # headers, and the worker continues them
    Instrumentor(
        "sentry-celery", "sentry_sdk.integrations.celery.CeleryIntegration", ("celery",),
        ("celery:apply_async", "celery:delay", "celery:consume:task"),
        not_covers="Sentry's own trace (sentry-trace, baggage) only; `app.send_task` by name from sentry-sdk 2.14.0 "
                   "(the next row); off with `propagate_traces=False` or `auto_enabling_integrations=False`",
        system="sentry", default_in_launcher=False, installed_by=("sentry-sdk",),
    ),
    # its RQ integration (auto-enabled where rq is installed) patches `Queue.enqueue_job`, under every
    # `enqueue`/`enqueue_call`, to put its trace headers in `job.meta` (`_sentry_trace_headers`), and
    # the worker continues them; a job scheduled for later is enqueued by the scheduler, in no span
    Instrumentor(
        "sentry-rq", "sentry_sdk.integrations.rq.RqIntegration", ("rq",),
        ("rq:enqueue", "rq:enqueue_call"),
        not_covers="Sentry's own trace only; `enqueue_in`/`enqueue_at` jobs are enqueued later by the scheduler, "
                   "outside any span",
        system="sentry", default_in_launcher=False, installed_by=("sentry-sdk",),
    ),
    # from sentry-sdk 2.14.0 it wraps `Celery.send_task` too (`_patch_celery_send_task`), merging its
    # headers into any `headers=` the call passes
    Instrumentor(
        "sentry-celery-send-task", "sentry_sdk.integrations.celery.CelerySendTaskPatch", ("celery",),
        ("celery:send_task",),
        not_covers="Sentry's own trace only; `Celery.send_task` from sentry-sdk 2.14.0",
        system="sentry", default_in_launcher=False, installed_by=("sentry-sdk",), requires=("sentry-sdk >= 2.14.0",),
    ),
    # its default Threading integration (`propagate_scope=True`) forks the starting thread's scopes
    # into every `threading.Thread` (Timer included); into thread pools' submits only from
    # sentry-sdk 2.41.0 (its `concurrent.futures` patch, sentry-python PR #4770): the next row
    Instrumentor(
        "sentry-threading", "sentry_sdk.integrations.threading.ThreadingIntegration", ("threading",),
        ("threads:Thread", "threads:Timer"),
        not_covers="Sentry's scopes only; ThreadPoolExecutor.submit and run_in_executor from sentry-sdk 2.41.0 "
                   "(the next row): before it a pool thread keeps the scope of the submit that started it",
        system="sentry", default_in_launcher=False, installed_by=("sentry-sdk",),
    ),
    Instrumentor(
        "sentry-futures", "sentry_sdk.integrations.threading.ThreadPoolExecutorPatch", ("threading",),
        ("threads:ThreadPoolExecutor.submit", "threads:ThreadPoolExecutor.map", "threads:run_in_executor"),
        not_covers="Sentry's scopes only; from sentry-sdk 2.41.0 (its concurrent.futures patch)",
        system="sentry", default_in_launcher=False, installed_by=("sentry-sdk",), requires=("sentry-sdk >= 2.41.0",),
    ),
)
# New Relic's agent (`newrelic-admin run-program ...`, or `newrelic.agent.initialize()` in code):
# it records web requests and Celery tasks as transactions; it inserts its distributed-tracing
# headers into Celery messages, and continues them in the worker, only from agent 9.9.0
_NEWRELIC = ("newrelic",)
VENDOR_INSTRUMENTORS = VENDOR_INSTRUMENTORS + (
    Instrumentor(
        "newrelic-celery-tasks", "newrelic.hooks.application_celery", ("celery",), ("celery:consume:task",),
        not_covers="records each task as a transaction; propagation from the publisher needs agent 9.9.0",
        system="newrelic", installed_by=_NEWRELIC,
    ),
    Instrumentor(
        "newrelic-celery", "newrelic.hooks.application_celery.propagation", ("celery",),
        ("celery:apply_async", "celery:delay", "celery:send_task"),
        not_covers="New Relic's distributed-tracing headers only (newrelic, traceparent when W3C is on)",
        system="newrelic", installed_by=_NEWRELIC, requires=("newrelic >= 9.9.0",),
    ),
    # its pika hook records basic_publish as a message trace and adds its distributed-tracing
    # headers to the message's properties; consumers' callbacks continue them
    Instrumentor(
        "newrelic-pika", "newrelic.hooks.messagebroker_pika", ("pika",),
        ("pika:basic_publish", "pika:consume:basic_consume", "pika:consume:consume"),
        not_covers="New Relic's distributed-tracing headers only",
        system="newrelic", installed_by=_NEWRELIC,
    ),
) + tuple(
    Instrumentor(f"newrelic-{framework}", f"newrelic.hooks.framework_{framework}", (framework,), (f"server:{framework}",),
                 system="newrelic", installed_by=_NEWRELIC)
    for framework in ("django", "flask", "fastapi", "starlette", "pyramid", "tornado", "aiohttp", "falcon")
)
# Logfire's `logfire.configure()` patches `ThreadPoolExecutor.submit` and `ProcessPoolExecutor.submit`
# to carry the OpenTelemetry context into the pool (logfire/_internal/integrations/executors.py,
# `instrument_executors()`, called by every configure): `map` and `run_in_executor` go through submit
VENDOR_INSTRUMENTORS = VENDOR_INSTRUMENTORS + (
    Instrumentor(
        "logfire-executors", "logfire.configure", ("threading",),
        ("threads:ThreadPoolExecutor.submit", "threads:ThreadPoolExecutor.map", "threads:run_in_executor",
         "threads:ProcessPoolExecutor.submit"),
        not_covers="executors only: threading.Thread, Timer and multiprocessing are not covered",
        system="logfire", default_in_launcher=False, installed_by=("logfire",),
    ),
)
INSTRUMENTORS = INSTRUMENTORS + SERVER_INSTRUMENTORS + CLIENT_INSTRUMENTORS + VENDOR_INSTRUMENTORS

# Commands that start a process with auto-instrumentation (found in launch files by ``project.py``).
LAUNCHERS = (
    Launcher("opentelemetry-instrument", "opentelemetry", installs=("opentelemetry-instrumentation",),
             bootstrap=("opentelemetry-bootstrap",)),
    # ddtrace-run enables the integrations that are on by default (kombu is off, domain.md §E)
    Launcher("ddtrace-run", "ddtrace", installs=_DDTRACE),
    # `newrelic-admin run-program gunicorn ...` / `run-python`: the agent with its default hooks
    Launcher("newrelic-admin", "newrelic", installs=("newrelic",)),
)

# In-code switches that enable instrumentation (collected by ``publishing._native_instrumentation_facts``):
# callee qname -> comma-separated instrumentor qnames, ``"*kwargs"`` (``ddtrace.patch(botocore=True)``),
# ``(keyword, qname)`` when a keyword set to True enables it, or ``("any:k1|k2", "q1,q2")`` when one
# of the keywords is passed a value other than ``None``, ``False`` or ``0``.
_DD_DEFAULT = ",".join(i.qname for i in INSTRUMENTORS if i.system == "ddtrace" and i.default_in_launcher)
_OTEL_DEFAULT = ",".join(i.qname for i in INSTRUMENTORS if i.system == "opentelemetry" and i.default_in_launcher)
DDTRACE_PATCH_NAMES = {i.qname.rsplit(".", 1)[-1]: i.qname for i in INSTRUMENTORS if i.system == "ddtrace"}
_NEWRELIC_ALL = ",".join(i.qname for i in INSTRUMENTORS if i.system == "newrelic")
_SENTRY_ALL = ",".join(i.qname for i in INSTRUMENTORS if i.system == "sentry")
CODE_SWITCHES = {
    "ddtrace.patch_all": _DD_DEFAULT,
    "ddtrace.patch": "*kwargs",
    "newrelic.agent.initialize": _NEWRELIC_ALL,
    "sentry_sdk.init": ("any:traces_sample_rate|traces_sampler|enable_tracing", _SENTRY_ALL),
    "opentelemetry.instrumentation.auto_instrumentation.initialize": _OTEL_DEFAULT,
    "logfire.configure": "logfire.configure",
    # the Azure Monitor distro turns the Azure SDK's own tracing on
    "azure.monitor.opentelemetry.configure_azure_monitor": "azure.core.settings.settings.tracing_implementation",
}
# Process-wide switches set by assignment: ``settings.tracing_implementation = "opentelemetry"``.
ATTRIBUTE_SWITCHES = {
    "azure.core.settings.settings.tracing_implementation": "azure.core.settings.settings.tracing_implementation",
}
# Switches that cover only the client built with them (not every client of the file or process):
# ``PublisherClient(publisher_options=PublisherOptions(enable_open_telemetry_tracing=True))``.
CLIENT_SWITCHES = (
    ClientSwitch("google.cloud.pubsub_v1.PublisherClient", "publisher_options",
                 ("google.cloud.pubsub_v1.types.PublisherOptions",),
                 "enable_open_telemetry_tracing", "google.cloud.pubsub_v1.types.PublisherOptions"),
)
for _i in INSTRUMENTORS:
    if _i.system == "native" and _i.qname.endswith("Middleware"):
        CODE_SWITCHES[_i.qname] = _i.qname
        CODE_SWITCHES[_i.qname.rsplit(".", 2)[0] + "." + _i.qname.rsplit(".", 1)[-1]] = _i.qname
CODE_SWITCHES["taskiq.middlewares.OpenTelemetryMiddleware"] = "taskiq.middlewares.opentelemetry_middleware.OpenTelemetryMiddleware"
# Litestar's OpenTelemetry plugin or middleware config, and the generic ASGI/WSGI middlewares
for _module in ("litestar.contrib.opentelemetry", "litestar.plugins.opentelemetry"):
    for _cls in ("OpenTelemetryPlugin", "OpenTelemetryConfig"):
        CODE_SWITCHES[f"{_module}.{_cls}"] = "litestar.contrib.opentelemetry.OpenTelemetryPlugin"
for _kind in ("asgi", "wsgi"):
    CODE_SWITCHES[f"opentelemetry.instrumentation.{_kind}.OpenTelemetryMiddleware"] = \
        f"opentelemetry.instrumentation.{_kind}.OpenTelemetryMiddleware"
# Logfire (Pydantic's OpenTelemetry distribution): `logfire.instrument_<library>(...)` turns that
# library's OpenTelemetry instrumentation on (logfire/_internal/integrations/)
_LOGFIRE_SWITCHES = {
    "fastapi": "fastapi.FastAPIInstrumentor", "django": "django.DjangoInstrumentor",
    "flask": "flask.FlaskInstrumentor", "starlette": "starlette.StarletteInstrumentor",
    "celery": "celery.CeleryInstrumentor", "aiohttp_server": "aiohttp_server.AioHttpServerInstrumentor",
    "requests": "requests.RequestsInstrumentor", "httpx": "httpx.HTTPXClientInstrumentor",
    "sqlalchemy": "sqlalchemy.SQLAlchemyInstrumentor", "psycopg": "psycopg.PsycopgInstrumentor",
    "asyncpg": "asyncpg.AsyncPGInstrumentor", "pymongo": "pymongo.PymongoInstrumentor",
    "redis": "redis.RedisInstrumentor",
}
for _key, _row in _LOGFIRE_SWITCHES.items():
    CODE_SWITCHES[f"logfire.instrument_{_key}"] = f"opentelemetry.instrumentation.{_row}"
# Django apps whose `ready()` turns instrumentations on, named in INSTALLED_APPS (their settings
# module's processes: the web process and the Celery worker that loads the same settings)
APP_SWITCHES = {
    # TencentBlueKing's blueapps: BKAppInstrumentor (logging, requests, Django, Celery, Redis)
    "blueapps.opentelemetry.instrument_app": ",".join((
        "opentelemetry.instrumentation.requests.RequestsInstrumentor",
        "opentelemetry.instrumentation.django.DjangoInstrumentor",
        "opentelemetry.instrumentation.celery.CeleryInstrumentor",
        "opentelemetry.instrumentation.redis.RedisInstrumentor",
    )),
}
IMPORT_SWITCHES = {"ddtrace.auto": _DD_DEFAULT, "ddtrace.bootstrap.sitecustomize": _DD_DEFAULT}
# Functions of the project that inject on every publish of a library: a Celery ``before_task_publish``
# handler, a dramatiq middleware's ``before_enqueue``, a taskiq middleware's ``pre_send``.
PUBLISH_HOOKS = {
    "celery.signals.before_task_publish": "project-hook:celery",
    "dramatiq.Middleware.before_enqueue": "project-hook:dramatiq",
    "dramatiq.middleware.Middleware.before_enqueue": "project-hook:dramatiq",
    "taskiq.TaskiqMiddleware.pre_send": "project-hook:taskiq",
    "taskiq.abc.middleware.TaskiqMiddleware.pre_send": "project-hook:taskiq",
}

# Names the user may write in `auto-instrumented = [...]` map to these library names.
LIBRARY_NAMES = tuple(sorted({lib for i in INSTRUMENTORS for lib in i.libraries}))
