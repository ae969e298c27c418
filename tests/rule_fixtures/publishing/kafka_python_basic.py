from kafka import KafkaProducer
from opentelemetry.propagate import inject

producer = KafkaProducer(bootstrap_servers="x")

def bad(order):
    producer.send("orders", value=order)  # error: CTX101

def good(order):
    carrier = {}
    inject(carrier)
    producer.send("orders", value=order, headers=[(k, v.encode()) for k, v in carrier.items()])

def branch(order, flag):
    carrier = {}
    if flag:
        inject(carrier)
        x = 1
    else:
        producer.send("orders", order, None, carrier)  # error: CTX101

class Svc:
    def __init__(self):
        self.producer = KafkaProducer()
    def pub(self, o):
        h = {}
        self.producer.send("t", o, headers=h)  # error: CTX101
        inject(h)
