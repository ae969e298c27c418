def publish(topic, payload, headers=None):
    return topic, payload, headers
