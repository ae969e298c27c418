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
    "celery-delay": (
        "delay() cannot carry headers (its keyword arguments go to the task): use apply_async:\n"
        "carrier = {{}}\n"
        "opentelemetry.propagate.inject(carrier)\n"
        "task.apply_async(args=(...), kwargs={{...}}, headers=carrier)\n"
        "or enable CeleryInstrumentor in both the publishing and the worker process"
    ),
    "dramatiq-options": (
        "dramatiq messages have no headers: inject into message.options in a middleware\n"
        "(before_enqueue: inject(message.options.setdefault(\"trace_ctx\", {{}}))) and extract it in\n"
        "before_process_message, or pass an injected carrier explicitly:\n"
        "carrier = {{}}\n"
        "opentelemetry.propagate.inject(carrier)\n"
        "actor.send_with_options(args=(...), trace_ctx=carrier)"
    ),
    "rq-meta": (
        "pass an injected carrier as the job's meta (read it from job.meta in the worker):\n"
        "carrier = {{}}\n"
        "opentelemetry.propagate.inject(carrier)\n"
        "{call}(func, ..., meta={{\"trace_ctx\": carrier}})"
    ),
    "taskiq-labels": (
        "put the context into the task's labels (or add taskiq's OpenTelemetryMiddleware to the broker):\n"
        "carrier = {{}}\n"
        "opentelemetry.propagate.inject(carrier)\n"
        "await task.kicker().with_labels(**carrier).kiq(...)"
    ),
    "sns-attributes": (
        "inject into a dict, then convert it to SNS message attributes (string MessageStructure only):\n"
        "carrier = {{}}\n"
        "opentelemetry.propagate.inject(carrier)\n"
        "attributes = {{k: {{\"DataType\": \"String\", \"StringValue\": v}} for k, v in carrier.items()}}\n"
        "{call}(..., {carrier}=attributes)"
    ),
    "sns-batch-attributes": (
        "give every entry its own MessageAttributes from an injected carrier:\n"
        "carrier = {{}}\n"
        "opentelemetry.propagate.inject(carrier)\n"
        "attributes = {{k: {{\"DataType\": \"String\", \"StringValue\": v}} for k, v in carrier.items()}}\n"
        "entries = [{{**entry, \"MessageAttributes\": attributes}} for entry in entries]"
    ),
    "redis-stream-fields": (
        "add the context to the stream entry's fields:\n"
        "carrier = {{}}\n"
        "opentelemetry.propagate.inject(carrier)\n"
        "{call}(stream, {{**fields, **carrier}})"
    ),
    "payload-redis": (
        "Redis PUBLISH has no headers: embed the context in the message:\n"
        "carrier = {{}}\n"
        "opentelemetry.propagate.inject(carrier)\n"
        "{call}(channel, json.dumps({{\"data\": data, \"trace_context\": carrier}}))\n"
        "and extract it from message[\"trace_context\"] in the subscriber"
    ),
    "payload-mqtt": (
        "MQTT 3.1.1 has no headers: embed the context in the payload:\n"
        "carrier = {{}}\n"
        "opentelemetry.propagate.inject(carrier)\n"
        "{call}(topic, json.dumps({{\"data\": data, \"trace_context\": carrier}}))\n"
        "(with MQTT v5, pass properties=Properties(PacketTypes.PUBLISH) with UserProperty pairs instead)"
    ),
    "payload-kinesis": (
        "Kinesis records have no headers: embed the context in Data:\n"
        "carrier = {{}}\n"
        "opentelemetry.propagate.inject(carrier)\n"
        "{call}(StreamName=..., PartitionKey=..., Data=json.dumps({{\"data\": data, \"trace_context\": carrier}}))"
    ),
    "payload-kinesis-records": (
        "Kinesis records have no headers: embed the context in each record's Data:\n"
        "carrier = {{}}\n"
        "opentelemetry.propagate.inject(carrier)\n"
        "records = [{{\"Data\": json.dumps({{\"data\": d, \"trace_context\": carrier}}), \"PartitionKey\": k}} for d, k in items]"
    ),
    "payload-eventbridge": (
        "EventBridge events have no headers (TraceHeader is X-Ray only): embed the context in Detail:\n"
        "carrier = {{}}\n"
        "opentelemetry.propagate.inject(carrier)\n"
        "entry = {{\"Source\": ..., \"DetailType\": ..., \"Detail\": json.dumps({{**detail, \"trace_context\": carrier}})}}"
    ),
    "payload-lambda": (
        "put the context into the invocation payload (BotocoreInstrumentor does this under \"headers\"):\n"
        "carrier = {{}}\n"
        "opentelemetry.propagate.inject(carrier)\n"
        "{call}(FunctionName=..., Payload=json.dumps({{**event, \"headers\": carrier}}))"
    ),
    "payload-task-kwargs": (
        "arq jobs have no headers: pass an injected carrier as a job argument:\n"
        "carrier = {{}}\n"
        "opentelemetry.propagate.inject(carrier)\n"
        "await {call}(\"function\", ..., trace_ctx=carrier)  # extract it in the job"
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
