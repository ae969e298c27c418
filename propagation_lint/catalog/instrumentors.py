"""Auto-instrumentations and exactly which calls they make propagate (domain.md §C.3, §C.4, §E).

``covers`` keys: ``<library>:<method>`` for publishes, ``<library>:consume:<pattern>`` for consumers,
``threads:<call>`` for hand-offs. What a row does not list, it does not cover.
"""
from .schema import Instrumentor

INSTRUMENTORS = (
    Instrumentor(
        "otel-kafka-python", "opentelemetry.instrumentation.kafka.KafkaInstrumentor",
        ("kafka-python",), ("kafka-python:send",),  # its consumer span ends before the record reaches user code
        not_covers="poll() is not instrumented, and the consumer span ends before the record reaches your code",
    ),
    Instrumentor(
        "otel-confluent-kafka", "opentelemetry.instrumentation.confluent_kafka.ConfluentKafkaInstrumentor",
        ("confluent-kafka",), ("confluent-kafka:produce@confluent_kafka.Producer", "confluent-kafka:consume:poll@confluent_kafka.Consumer",
                               "confluent-kafka:consume:consume@confluent_kafka.Consumer"),
        not_covers="SerializingProducer/DeserializingConsumer and classes imported before instrument() are not patched",
    ),
    Instrumentor(
        "otel-aiokafka", "opentelemetry.instrumentation.aiokafka.AIOKafkaInstrumentor",
        ("aiokafka",), ("aiokafka:send", "aiokafka:send_and_wait"),
        not_covers="send_batch() is not covered; consumer loop bodies run outside the span",
    ),
    Instrumentor(
        "otel-pika", "opentelemetry.instrumentation.pika.PikaInstrumentor",
        ("pika",), ("pika:basic_publish", "pika:consume:basic_consume", "pika:consume:consume"),
        not_covers="channels created before instrument() and basic_get() are not covered",
    ),
    Instrumentor(
        "otel-aio-pika", "opentelemetry.instrumentation.aio_pika.AioPikaInstrumentor",
        ("aio-pika",), ("aio-pika:publish", "aio-pika:consume:consume"),
        not_covers="queue.iterator() loop bodies and queue.get() run outside the span",
    ),
    Instrumentor(
        "otel-celery", "opentelemetry.instrumentation.celery.CeleryInstrumentor",
        ("celery",), ("celery:apply_async", "celery:delay", "celery:send_task", "celery:consume:task"),
        not_covers="a prefork worker must call instrument() in worker_process_init; the web process needs its own call",
    ),
    Instrumentor(
        "otel-boto3sqs", "opentelemetry.instrumentation.boto3sqs.Boto3SQSInstrumentor",
        ("boto3-sqs",), ("boto3-sqs:send_message", "boto3-sqs:send_message_batch", "boto3-sqs:consume:receive_message@boto3.client.sqs",
                         "boto3-sqs:consume:attribute-names@boto3.client.sqs"),
        not_covers="the resource API and AWSTraceHeader are not covered",
    ),
    Instrumentor(
        "otel-botocore", "opentelemetry.instrumentation.botocore.BotocoreInstrumentor",
        ("boto3-sns", "boto3-lambda"), ("boto3-sns:publish", "boto3-sns:publish_batch", "boto3-lambda:invoke"),
        not_covers="botocore's SQS extension injects nothing into MessageAttributes (only Boto3SQSInstrumentor does)",
    ),
    Instrumentor(
        "otel-threading", "opentelemetry.instrumentation.threading.ThreadingInstrumentor",
        ("threading",), ("threads:Thread", "threads:Timer", "threads:ThreadPoolExecutor.submit",
                         "threads:ThreadPoolExecutor.map", "threads:run_in_executor"),
        not_covers="Thread subclasses that override run(), processes, gevent and custom executors are not covered",
    ),
    Instrumentor(
        "otel-aws-lambda", "opentelemetry.instrumentation.aws_lambda.AwsLambdaInstrumentor",
        ("aws-lambda",), ("aws-lambda:consume:sqs",),
        not_covers="only SQS events get links; SNS, Kinesis, EventBridge and MSK events need an event_context_extractor",
    ),
    Instrumentor(
        "otel-remoulade", "opentelemetry.instrumentation.remoulade.RemouladeInstrumentor",
        ("remoulade",), ("remoulade:send", "remoulade:consume:actor"),
    ),
    Instrumentor(
        "ddtrace-futures", "ddtrace.contrib.futures", ("threading",),
        ("threads:ThreadPoolExecutor.submit", "threads:ThreadPoolExecutor.map", "threads:run_in_executor"),
        system="ddtrace",
    ),
    Instrumentor(
        "ddtrace-gevent", "ddtrace.contrib.gevent", ("gevent",), ("threads:gevent",),
        system="ddtrace",
        not_covers="only the Datadog context is copied into greenlets (domain.md §D.5)",
    ),
)

# Names the user may write in `auto-instrumented = [...]` map to these library names.
LIBRARY_NAMES = tuple(sorted({lib for i in INSTRUMENTORS for lib in i.libraries}))
