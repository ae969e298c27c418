"""Which calls publish a message, where their carrier is, and what carries the payload.

Positions exclude ``self`` and follow each library's real signature (``../shared/domain.md`` §A
and the rule-matcher table §G); ``tests/test_catalog_signatures.py`` checks them against the
installed libraries.
"""
from .schema import Arg, Publisher

KAFKA_HINT = r"(?i)producer|kafka"

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
    # --- boto3 SQS (client methods take keywords only)
    Publisher(
        "boto3-sqs", "send_message", receiver="boto3.client.sqs",
        carrier=Arg("MessageAttributes"), carrier_kind="sqs-attributes",
        payload=Arg("MessageBody"), destination=Arg("QueueUrl"),
        hint_keywords=("QueueUrl", "MessageBody"), hint_modules=("boto3", "aiobotocore", "aioboto3", "botocore"),
    ),
    Publisher(
        "boto3-sqs", "send_message_batch", receiver="boto3.client.sqs",
        carrier=Arg("Entries"), carrier_kind="sqs-batch-attributes",
        payload=Arg("Entries"), destination=Arg("QueueUrl"),
        hint_keywords=("QueueUrl", "Entries"), hint_modules=("boto3", "aiobotocore", "aioboto3", "botocore"),
    ),
    Publisher(
        "boto3-sqs", "send_message", receiver="boto3.resource.sqs.Queue",
        carrier=Arg("MessageAttributes"), carrier_kind="sqs-attributes",
        payload=Arg("MessageBody"),
    ),
    Publisher(
        "boto3-sqs", "send_messages", receiver="boto3.resource.sqs.Queue",
        carrier=Arg("Entries"), carrier_kind="sqs-batch-attributes", payload=Arg("Entries"),
    ),
)
