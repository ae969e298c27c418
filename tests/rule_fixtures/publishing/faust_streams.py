"""faust: topics, agents and the app send with keyword headers (a mapping or (str, bytes) pairs)."""
import faust
from opentelemetry.propagate import inject

app = faust.App("orders", broker="kafka://localhost")
orders = app.topic("orders")


@app.agent(orders)
async def ship(stream):
    async for order in stream:
        print(order)


async def place(order):
    await orders.send(key=order["id"], value=order)  # error: CTX101
    await ship.send(value=order)  # error: CTX101
    await ship.cast(order)  # error: CTX101
    await app.send("orders", order["id"], order)  # error: CTX101
    carrier = {}
    inject(carrier)
    headers = [(k, v.encode()) for k, v in carrier.items()]
    await orders.send(key=order["id"], value=order, headers=headers)
    await ship.cast(order, headers=headers)
    await app.send("orders", order["id"], order, None, None, headers)
    await app.send("orders", order["id"], order, headers=headers)
