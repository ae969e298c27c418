"""The returns handler (registered in main.py): forwards each return to billing."""
import json

from kafka import KafkaProducer

producer = KafkaProducer(bootstrap_servers="kafka:9092")


def on_return(channel, method, properties, body):
    producer.send("refunds", value=json.dumps({"return": body.decode()}).encode())
