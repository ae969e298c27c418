"""Registers a RabbitMQ handler defined in another module."""
import pika

from shipping.returns import on_return

channel = pika.BlockingConnection().channel()
channel.basic_consume(queue="returns", on_message_callback=on_return)

import opentelemetry.trace  # noqa: E402,F401  (the service traces: its handlers can lose a context)
