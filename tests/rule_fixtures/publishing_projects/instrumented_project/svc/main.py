import boto3
import pika
from kafka import KafkaProducer

producer = KafkaProducer()
sqs = boto3.client("sqs")
channel = pika.BlockingConnection().channel()


def covered(order, url):
    producer.send("orders", value=order)
    channel.basic_publish("", "q", order)


def botocore_does_not_inject_sqs_attributes_but_boto3sqs_does(order, url):
    sqs.send_message(QueueUrl=url, MessageBody=order)
