from app.worker import ship


def checkout(order_id):
    # CeleryInstrumentor is used, see worker.py
    ship.delay(order_id)  # error: CTX101
