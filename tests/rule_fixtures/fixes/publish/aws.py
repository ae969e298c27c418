from opentelemetry import trace  # noqa: F401  (the service traces: a context can exist)
import boto3

sqs = boto3.client("sqs")
sns = boto3.client("sns")
QUEUE_URL = "https://sqs.eu-west-1.amazonaws.com/123/orders"
TOPIC_ARN = "arn:aws:sns:eu-west-1:123:orders"


def sqs_absent(body):
    sqs.send_message(QueueUrl=QUEUE_URL, MessageBody=body)  # error: CTX101


def sqs_literal(body):
    sqs.send_message(  # error: CTX101
        QueueUrl=QUEUE_URL,
        MessageBody=body,
        MessageAttributes={"origin": {"DataType": "String", "StringValue": "api"}},
    )


def sns_absent(message):
    return sns.publish(TopicArn=TOPIC_ARN, Message=message)  # error: CTX101
