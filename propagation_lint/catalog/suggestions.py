"""The code each publishing finding proposes, per carrier kind, in that library's idiom.

``{call}`` is the publish call's callee text (``producer.send``), ``{carrier}`` the parameter name.
"""

PUBLISH_SUGGESTIONS = {
    "kafka-headers": (
        "inject the context into a dict, then pass it as Kafka's list of (str, bytes):\n"
        "carrier = {{}}\n"
        "opentelemetry.propagate.inject(carrier)\n"
        "{call}(..., {carrier}=[(k, v.encode()) for k, v in carrier.items()])"
    ),
    "confluent-headers": (
        "inject the context into a dict and pass it as headers:\n"
        "carrier = {{}}\n"
        "opentelemetry.propagate.inject(carrier)\n"
        "{call}(..., {carrier}=carrier)"
    ),
    "dict": (
        "inject the context into a dict and pass it as {carrier}:\n"
        "carrier = {{}}\n"
        "opentelemetry.propagate.inject(carrier)\n"
        "{call}(..., {carrier}=carrier)"
    ),
    "sqs-attributes": (
        "inject into a dict, then convert it to SQS message attributes:\n"
        "carrier = {{}}\n"
        "opentelemetry.propagate.inject(carrier)\n"
        "attributes = {{k: {{\"DataType\": \"String\", \"StringValue\": v}} for k, v in carrier.items()}}\n"
        "{call}(..., {carrier}=attributes)  # at most 10 attributes per message"
    ),
    "sqs-batch-attributes": (
        "give every entry its own MessageAttributes from an injected carrier:\n"
        "carrier = {{}}\n"
        "opentelemetry.propagate.inject(carrier)\n"
        "attributes = {{k: {{\"DataType\": \"String\", \"StringValue\": v}} for k, v in carrier.items()}}\n"
        "entries = [{{**entry, \"MessageAttributes\": attributes}} for entry in entries]"
    ),
    "pika-properties": (
        "inject into the message headers through BasicProperties:\n"
        "headers = {{}}\n"
        "opentelemetry.propagate.inject(headers)\n"
        "{call}(..., {carrier}=pika.BasicProperties(headers=headers))"
    ),
    "aio-pika-message": (
        "inject into the Message's headers:\n"
        "headers = {{}}\n"
        "opentelemetry.propagate.inject(headers)\n"
        "await {call}(aio_pika.Message(body, headers=headers), routing_key=...)"
    ),
    "aiormq-properties": (
        "inject into the properties' headers:\n"
        "headers = {{}}\n"
        "opentelemetry.propagate.inject(headers)\n"
        "await {call}(body, ..., properties=aiormq.spec.Basic.Properties(headers=headers))"
    ),
    "celery-headers": (
        "pass an injected carrier as headers (delay() cannot carry them; use apply_async):\n"
        "carrier = {{}}\n"
        "opentelemetry.propagate.inject(carrier)\n"
        "task.apply_async(args=..., kwargs=..., headers=carrier)\n"
        "or enable CeleryInstrumentor in both the publishing and the worker process"
    ),
    "pubsub-attributes": (
        "Pub/Sub attributes are keyword arguments:\n"
        "carrier = {{}}\n"
        "opentelemetry.propagate.inject(carrier)\n"
        "{call}(topic, data, **carrier)"
    ),
    "mqtt-properties": (
        "MQTT v5: put the context into PUBLISH user properties:\n"
        "carrier = {{}}\n"
        "opentelemetry.propagate.inject(carrier)\n"
        "props = Properties(PacketTypes.PUBLISH)\n"
        "props.UserProperty = list(carrier.items())\n"
        "{call}(topic, payload, qos, retain, properties=props)"
    ),
    "servicebus-message": (
        "put the context into the message's application_properties:\n"
        "carrier = {{}}\n"
        "opentelemetry.propagate.inject(carrier)\n"
        "{call}(ServiceBusMessage(body, application_properties=carrier))"
    ),
    "eventhub-event": (
        "put the context into each event's properties:\n"
        "carrier = {{}}\n"
        "opentelemetry.propagate.inject(carrier)\n"
        "event.properties = carrier"
    ),
    "payload": (
        "this transport has no headers: embed the context in the payload:\n"
        "carrier = {{}}\n"
        "opentelemetry.propagate.inject(carrier)\n"
        "payload = json.dumps({{\"data\": data, \"trace_context\": carrier}})\n"
        "and extract it from payload[\"trace_context\"] on the consumer side"
    ),
    "payload-kafka-batch": (
        "produce_batch() cannot send headers: use produce() per message with headers, or embed the\n"
        "context in each message's value:\n"
        "carrier = {{}}\n"
        "opentelemetry.propagate.inject(carrier)\n"
        "messages = [{{\"value\": json.dumps({{\"data\": m, \"trace_context\": carrier}})}} for m in batch]"
    ),
}


def publish_suggestion(kind: str, call: str, carrier: str) -> str:
    template = PUBLISH_SUGGESTIONS.get(kind, PUBLISH_SUGGESTIONS["dict"])
    return template.format(call=call, carrier=carrier)
