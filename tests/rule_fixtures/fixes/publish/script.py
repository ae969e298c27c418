from kafka import KafkaProducer
KafkaProducer(bootstrap_servers="kafka:9092").send("startup", b"ready")  # error: CTX101
