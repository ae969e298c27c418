"""The Azure Monitor distro turns on the Azure SDK's own tracing for the whole process."""
from azure.monitor.opentelemetry import configure_azure_monitor

from app import sender

configure_azure_monitor()


def run(conn, body):
    sender.send(conn, body)
