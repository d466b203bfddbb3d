"""Lambda's part for the table's stream, on the emulator: reads the
DynamoDB stream of one table, keeps the records the filter of one of the
template's stream events (`DeliverFunction` > `Events` > `--event` >
`FilterCriteria`: `OutboxEmail` or `OutboxSms`) lets through, and hands them
in batches to the deliver function under `cargo lambda watch`, as that
event source mapping does (one poller per mapping, each with its own place
in the stream):

- the event is `{"Records": [...]}` in Lambda's shape for DynamoDB streams;
- records the answer names in `batchItemFailures` are handed over again,
  from the first failed one on, after a growing pause, at most
  `--max-retries` times; a function error splits the batch in two
  (`BisectBatchOnFunctionError`);
- what still fails is described in the dead-letter queue (an SQS queue on
  the emulator) the way Lambda's on-failure destination describes it:
  shard and sequence numbers, never the records.

    python infra/stream_poller.py --endpoint URL --table NAME --event NAME \\
        --invoke-url URL/2015-03-31/functions/deliver/invocations \\
        [--dead-letter-queue NAME] [--max-retries N] [--retry-delay S] \\
        [--status-file PATH]

`--status-file` gets a JSON line after every poll: how many polls so far,
whether nothing is waiting, and what was delivered, retried and dead-lettered
(the tests wait on it).
"""

import argparse
import base64
import json
import sys
import time
import urllib.error
import urllib.request
import uuid
from datetime import datetime, timezone
from pathlib import Path

import boto3
import yaml

ROOT = Path(__file__).resolve().parent.parent


def stream_events() -> dict:
    """The deliver function's stream events in the template, by name."""

    class Loader(yaml.SafeLoader):
        pass

    def any_tag(loader, suffix, node):
        if isinstance(node, yaml.ScalarNode):
            return loader.construct_scalar(node)
        if isinstance(node, yaml.SequenceNode):
            return loader.construct_sequence(node)
        return loader.construct_mapping(node)

    Loader.add_multi_constructor("!", any_tag)
    template = yaml.load((ROOT / "template.yaml").read_text(), Loader=Loader)
    events = template["Resources"]["DeliverFunction"]["Properties"]["Events"]
    return {name: event for name, event in events.items() if event["Type"] == "DynamoDB"}


def template_filters(name: str) -> list:
    """The filter patterns of the deliver function's stream event `name`."""
    events = stream_events()
    if name not in events:
        sys.exit(f"no stream event {name!r} in template.yaml (there are {', '.join(events)})")
    filters = events[name]["Properties"]["FilterCriteria"]["Filters"]
    return [json.loads(f["Pattern"]) for f in filters]


def allowed(option, value) -> bool:
    if isinstance(option, dict) and "prefix" in option:
        return isinstance(value, str) and value.startswith(option["prefix"])
    return option == value


def matches(pattern, value) -> bool:
    """EventBridge-style matching, as far as the template's filter needs:
    nested objects, lists of allowed values, and `{"prefix": ...}`."""
    if isinstance(pattern, dict):
        return isinstance(value, dict) and all(
            key in value and matches(sub, value[key]) for key, sub in pattern.items()
        )
    if isinstance(pattern, list):
        return any(allowed(option, value) for option in pattern)
    return pattern == value


def epoch(value) -> float:
    if isinstance(value, datetime):
        return value.replace(tzinfo=value.tzinfo or timezone.utc).timestamp()
    return float(value)


def wire(value):
    """What boto3 parsed, back in DynamoDB's JSON: binary as base64."""
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(value).decode()
    if isinstance(value, dict):
        return {key: wire(item) for key, item in value.items()}
    if isinstance(value, list):
        return [wire(item) for item in value]
    return value


def lambda_record(record: dict, stream_arn: str) -> dict:
    """A stream record as Lambda hands it to a function."""
    dynamodb = wire(dict(record["dynamodb"]))
    dynamodb["ApproximateCreationDateTime"] = epoch(dynamodb.get("ApproximateCreationDateTime", time.time()))
    return {
        "eventID": record.get("eventID", uuid.uuid4().hex),
        "eventName": record["eventName"],
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": record.get("awsRegion", "us-east-1"),
        "dynamodb": dynamodb,
        "eventSourceARN": stream_arn,
    }


class Poller:
    def __init__(self, args):
        session = boto3.session.Session(
            aws_access_key_id="test", aws_secret_access_key="test", region_name="us-east-1"
        )
        self.dynamodb = session.client("dynamodb", endpoint_url=args.endpoint)
        self.streams = session.client("dynamodbstreams", endpoint_url=args.endpoint)
        self.sqs = session.client("sqs", endpoint_url=args.endpoint)
        self.args = args
        self.filters = template_filters(args.event)
        self.queue_url = self.sqs.create_queue(QueueName=args.dead_letter_queue)["QueueUrl"]
        self.stream_arn = self.dynamodb.describe_table(TableName=args.table)["Table"]["LatestStreamArn"]
        self.iterators = {}
        self.shards = []
        self.last_sequence = {}
        self.polls = 0
        self.stats = {"delivered_batches": 0, "retries": 0, "dead_lettered": 0, "function_errors": 0}

    def log(self, message: str) -> None:
        print(f"[stream] {message}", flush=True)

    def shard_iterators(self) -> None:
        """A fresh iterator per shard after the last record read (moto
        swaps a table's shard object when it rolls a transaction back, and
        an old iterator would go on reading the old one)."""
        if not self.shards or self.polls % 50 == 0:
            description = self.streams.describe_stream(StreamArn=self.stream_arn)["StreamDescription"]
            self.shards = [shard["ShardId"] for shard in description["Shards"]]
        for shard_id in self.shards:
            after = self.last_sequence.get(shard_id)
            where = (
                {"ShardIteratorType": "AFTER_SEQUENCE_NUMBER", "SequenceNumber": after}
                if after
                else {"ShardIteratorType": "TRIM_HORIZON"}
            )
            self.iterators[shard_id] = self.streams.get_shard_iterator(
                StreamArn=self.stream_arn, ShardId=shard_id, **where
            )["ShardIterator"]

    def invoke(self, records: list) -> tuple[bool, set]:
        """(function succeeded, sequence numbers it reported failed)."""
        body = json.dumps({"Records": records}, default=str).encode()
        request = urllib.request.Request(
            self.args.invoke_url, data=body, headers={"Content-Type": "application/json"}
        )
        try:
            with urllib.request.urlopen(request, timeout=120) as answer:
                payload = json.loads(answer.read() or b"null")
        except (urllib.error.URLError, OSError, ValueError) as err:
            self.log(f"invoke failed: {err}")
            return False, set()
        if not isinstance(payload, dict) or "errorType" in payload or "errorMessage" in payload:
            return False, set()
        failures = payload.get("batchItemFailures") or []
        return True, {f.get("itemIdentifier") for f in failures}

    def dead_letter(self, shard_id: str, records: list, attempts: int, condition: str) -> None:
        first, last = records[0]["dynamodb"], records[-1]["dynamodb"]
        message = {
            "requestContext": {
                "requestId": str(uuid.uuid4()),
                "functionArn": "arn:aws:lambda:us-east-1:000000000000:function:deliver",
                "condition": condition,
                "approximateInvokeCount": attempts,
            },
            "responseContext": {"statusCode": 200, "executedVersion": "$LATEST", "functionError": None},
            "version": "1.0",
            "timestamp": datetime.now(timezone.utc).isoformat(),
            "DDBStreamBatchInfo": {
                "shardId": shard_id,
                "startSequenceNumber": first["SequenceNumber"],
                "endSequenceNumber": last["SequenceNumber"],
                "approximateArrivalOfFirstRecord": first["ApproximateCreationDateTime"],
                "approximateArrivalOfLastRecord": last["ApproximateCreationDateTime"],
                "batchSize": len(records),
                "streamArn": self.stream_arn,
            },
        }
        self.sqs.send_message(QueueUrl=self.queue_url, MessageBody=json.dumps(message, default=str))
        self.stats["dead_lettered"] += len(records)
        self.log(f"dead-lettered {len(records)} record(s) after {attempts} attempt(s)")

    def deliver(self, shard_id: str, records: list) -> None:
        """Hands `records` over until they succeed or run out of retries."""
        pending, attempts = records, 0
        while pending:
            attempts += 1
            ok, failed = self.invoke(pending)
            if ok and not failed:
                self.stats["delivered_batches"] += 1
                return
            if not ok:
                self.stats["function_errors"] += 1
                if len(pending) > 1:
                    half = len(pending) // 2
                    self.deliver(shard_id, pending[:half])
                    self.deliver(shard_id, pending[half:])
                    return
            else:
                # Lambda resumes from the first failed record.
                at = min(i for i, r in enumerate(pending) if r["dynamodb"]["SequenceNumber"] in failed)
                pending = pending[at:]
            if attempts > self.args.max_retries:
                self.dead_letter(shard_id, pending, attempts, "RetryAttemptsExhausted")
                return
            self.stats["retries"] += 1
            self.write_status(idle=False, retrying=True)
            time.sleep(self.args.retry_delay * attempts)

    def poll_once(self) -> int:
        self.shard_iterators()
        handed = 0
        for shard_id, iterator in list(self.iterators.items()):
            if iterator is None:
                continue
            answer = self.streams.get_records(ShardIterator=iterator, Limit=1000)
            if answer.get("Records"):
                self.last_sequence[shard_id] = answer["Records"][-1]["dynamodb"]["SequenceNumber"]
            records = [
                lambda_record(r, self.stream_arn)
                for r in answer.get("Records", [])
            ]
            records = [r for r in records if any(matches(f, r) for f in self.filters)]
            for start in range(0, len(records), self.args.batch_size):
                batch = records[start : start + self.args.batch_size]
                self.deliver(shard_id, batch)
                handed += len(batch)
        return handed

    def write_status(self, idle: bool, retrying: bool = False) -> None:
        if self.args.status_file:
            status = dict(self.stats, polls=self.polls, idle=idle, retrying=retrying)
            path = Path(self.args.status_file)
            path.with_suffix(".tmp").write_text(json.dumps(status))
            path.with_suffix(".tmp").replace(path)

    def run(self) -> None:
        self.log(f"polling the stream of {self.args.table}")
        while True:
            handed = self.poll_once()
            self.polls += 1
            self.write_status(idle=handed == 0)
            if handed == 0:
                time.sleep(self.args.interval)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--endpoint", required=True)
    parser.add_argument("--table", required=True)
    parser.add_argument("--event", required=True, help="the template's stream event: OutboxEmail or OutboxSms")
    parser.add_argument("--invoke-url", required=True)
    parser.add_argument("--dead-letter-queue", default="deliver-dead-letters")
    parser.add_argument("--max-retries", type=int, default=5)
    parser.add_argument("--retry-delay", type=float, default=1.0)
    parser.add_argument("--batch-size", type=int, default=10)
    parser.add_argument("--interval", type=float, default=0.25)
    parser.add_argument("--status-file")
    args = parser.parse_args()
    try:
        Poller(args).run()
    except KeyboardInterrupt:
        sys.exit(0)


if __name__ == "__main__":
    main()
