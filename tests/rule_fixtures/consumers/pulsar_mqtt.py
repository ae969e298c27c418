import paho.mqtt.client as mqtt
import pulsar
from opentelemetry import trace
from opentelemetry.propagate import extract

tracer = trace.get_tracer(__name__)


def pulsar_loop():
    client = pulsar.Client("pulsar://localhost:6650")
    consumer = client.subscribe("orders", subscription_name="shipping")
    while True:
        msg = consumer.receive()
        with tracer.start_as_current_span("pulsar-handle"):  # error: CTX301
            consumer.acknowledge(msg)


def pulsar_loop_connected(client: pulsar.Client):
    consumer = client.subscribe("orders", "billing")
    while True:
        msg = consumer.receive(timeout_millis=1000)
        with tracer.start_as_current_span("pulsar-handle", context=extract(msg.properties())):
            consumer.acknowledge(msg)


def listener(consumer, msg):
    with tracer.start_as_current_span("pulsar-listener"):  # error: CTX301
        consumer.acknowledge(msg)


def pulsar_listener(client: pulsar.Client):
    client.subscribe("orders", "audit", message_listener=listener)


def on_message(client, userdata, msg):
    with tracer.start_as_current_span("mqtt-reading"):  # error: CTX301
        print(msg.payload)


def on_alarm(client, userdata, msg):
    carrier = dict(getattr(msg.properties, "UserProperty", []))
    with tracer.start_as_current_span("mqtt-alarm", context=extract(carrier)):
        print(msg.payload)


def on_connect(client, userdata, flags, rc, properties=None):
    with tracer.start_as_current_span("connected"):
        client.subscribe("sensors/#")


def mqtt_main():
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
    client.on_connect = on_connect
    client.on_message = on_message
    client.message_callback_add("alarms/#", on_alarm)
    client.connect("localhost")
    client.loop_forever()
