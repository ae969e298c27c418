import pika
from kafka import KafkaConsumer

from app import handlers
from app.handlers import on_refund

channel = pika.BlockingConnection(pika.ConnectionParameters("rabbitmq")).channel()
channel.basic_consume(queue="orders", on_message_callback=handlers.on_order)
channel.basic_consume(queue="payments", on_message_callback=handlers.on_payment)
channel.basic_consume(queue="payments2", on_message_callback=handlers.on_payment_two_levels)
channel.basic_consume(queue="refunds", on_message_callback=on_refund)
channel.basic_consume(queue="shipments", on_message_callback=handlers.on_shipment)


def run_kafka():
    for record in KafkaConsumer("records"):
        handlers.process_record(record)
