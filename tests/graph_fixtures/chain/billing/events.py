"""Billing events: one propagated publish, two gaps, one destination only known at run time."""
from kafka import KafkaProducer
from opentelemetry.propagate import inject

from common.topics import INVOICES

PREFIX = "billing"

producer = KafkaProducer(bootstrap_servers="kafka:9092")


def invoice_created(invoice):
    carrier = {}
    inject(carrier)
    producer.send(INVOICES, value=invoice, headers=[(k, v.encode()) for k, v in carrier.items()])


def invoice_voided(invoice):
    producer.send(INVOICES, value=invoice)


def invoice_paid(invoice, region):
    producer.send(f"{PREFIX}.paid.{region}", value=invoice)


def forward(topic, payload):
    carrier = {}
    inject(carrier)
    producer.send(topic, value=payload, headers=[(k, v.encode()) for k, v in carrier.items()])
