def subscribe(topic, handler):
    """The in-house message bus: calls handler(event) for each event."""
