from opentelemetry.instrumentation.boto3sqs import Boto3SQSInstrumentor
from opentelemetry.instrumentation.confluent_kafka import ConfluentKafkaInstrumentor
from opentelemetry.instrumentation.kafka import KafkaInstrumentor
from opentelemetry.instrumentation.pika import PikaInstrumentor

PikaInstrumentor().instrument()
KafkaInstrumentor().instrument()
ConfluentKafkaInstrumentor().instrument()
Boto3SQSInstrumentor().instrument()
import worker  # noqa: F401,E402  (the process that instruments runs the worker)
