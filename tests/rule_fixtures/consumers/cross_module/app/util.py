def log_message(properties):
    print(properties.headers)
