"""moto server with one request at a time (but SQS ReceiveMessage, which may
wait for messages).

moto applies a DynamoDB TransactWriteItems step by step and rolls back by
restoring a copy of the table, with no lock: two transactions running in two
threads can interleave and undo each other, which DynamoDB never does. Serving
one request at a time gives the emulator DynamoDB's atomicity. Here a
transaction checks every item's condition first and writes only when all
hold, so a cancelled one writes nothing and no table is copied (moto copies
every table a transaction names once per item: tens of milliseconds a
transaction on a table of thousands of items, and memory that grew until
the process was killed). Should a write still fail, the items written
before it are put back, and the stream is left as it was found: the writes
of a cancelled transaction never reach it, as in DynamoDB. Everything else
is plain `moto_server`.

`GET /moto-api/data.json?services=ses,sns` answers what moto's own
`/moto-api/data.json` answers, for those services only: the sent emails and
texts without every item of every table, which moto would serialise first.

SES v2 `SendEmail` naming a configuration set that does not exist is
refused with `NotFoundException`, as SES does (moto ignores the name).

An SMS outage, for the tests of delivery: after `POST /_outage/sms?number=
+4915...`, SNS `Publish` to that number answers `503 ServiceUnavailable`
(the SDK's retries included) until `DELETE /_outage/sms?number=...`.

With `--call-log FILE` it also appends one JSON line per AWS request: the
caller's `app/<name>` from the SDK user agent, the service, the operation,
and for DynamoDB transactions the kinds of their items, and the milliseconds
spent inside moto (`ms`). A DynamoDB call also lists, for each item it
names, the IAM action that item needs and its type (its partition key up to
the first `#`, what `dynamodb:LeadingKeys` conditions match): `keys`; and
the tables it names: `tables`. The
template check compares that with each function's IAM policy. DynamoDB calls also carry the
request units that DynamoDB on demand would bill for them (`rru`, `wru`),
from the size of each item they read or write as moto holds it (see
`request_units`).

    python infra/emulator.py [--host 127.0.0.1] [--port 5000] [--call-log FILE]
"""

import argparse
import io
import json
import os
import re
import signal
import threading
import time
from urllib.parse import parse_qs

from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import run_simple


def model_data(services):
    """moto's `/moto-api/data.json` document, for `services` only."""
    from moto.core.model_instances import model_data as tracked

    results = {}
    for service in sorted(name for name in tracked if name in services):
        results[service] = {}
        for name in sorted(tracked[service]):
            instances = []
            for instance in tracked[service][name].instances_tracked:
                fields = {}
                for attr in dir(instance):
                    if attr.startswith("_"):
                        continue
                    try:
                        value = getattr(instance, attr)
                        json.dumps(value)
                    except (TypeError, AttributeError, ValueError):
                        continue
                    fields[attr] = value
                instances.append(fields)
            results[service][name] = instances
    return json.dumps(results).encode()


SMS_OUTAGES = set()


def sms_outage(environ, start_response):
    """Starts or ends an outage for one number; `None` for other requests."""
    if environ.get("PATH_INFO") != "/_outage/sms":
        return None
    number = parse_qs(environ.get("QUERY_STRING", "")).get("number", [""])[0]
    if environ.get("REQUEST_METHOD") == "DELETE":
        SMS_OUTAGES.discard(number)
    else:
        SMS_OUTAGES.add(number)
    start_response("204 No Content", [])
    return [b""]


def publish_to_outage(environ) -> bool:
    """Whether this is an SNS Publish to a number under an outage."""
    if not SMS_OUTAGES or not environ.get("CONTENT_TYPE", "").startswith("application/x-www-form-urlencoded"):
        return False
    length = int(environ.get("CONTENT_LENGTH") or 0)
    body = environ["wsgi.input"].read(length) if length else b""
    environ["wsgi.input"] = io.BytesIO(body)
    form = parse_qs(body.decode(errors="replace"))
    return form.get("Action") == ["Publish"] and form.get("PhoneNumber", [""])[0] in SMS_OUTAGES


def receives_messages(environ):
    """An SQS ReceiveMessage: it may wait for messages (long polling), and
    holding the one-at-a-time lock meanwhile would stall every other
    request for as long. moto's queues take their own locks, and no function
    reads a queue, so it is served beside the others and not logged."""
    if environ.get("HTTP_X_AMZ_TARGET", "") == "AmazonSQS.ReceiveMessage":
        return True
    if environ.get("CONTENT_TYPE", "").startswith("application/x-www-form-urlencoded"):
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = io.BytesIO(body)
        return re.search(rb"(?:^|&)Action=ReceiveMessage(?:&|$)", body) is not None
    return False


def item_size(region, table_name, key):
    """The size DynamoDB gives the item at `key` (0 when there is none)."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.dynamodb.models import dynamodb_backends
    from moto.dynamodb.models.dynamo_type import DynamoType

    try:
        table = dynamodb_backends[DEFAULT_ACCOUNT_ID][region].get_table(table_name)
        hash_key = DynamoType(key[table.hash_key_attr])
        range_key = DynamoType(key[table.range_key_attr]) if table.range_key_attr else None
        item = table.get_item(hash_key, range_key)
    except Exception:  # no such table or key: the call fails, and costs the minimum
        return 0
    return item.size() if item is not None else 0


def touched_items(region, action, request):
    """(kind, table, key, consistent) of each item a DynamoDB call reads or
    writes; kind is read, write, transact_write or condition_check."""

    def key_of(table_name, item):
        from moto.core import DEFAULT_ACCOUNT_ID
        from moto.dynamodb.models import dynamodb_backends

        try:
            table = dynamodb_backends[DEFAULT_ACCOUNT_ID][region].get_table(table_name)
        except Exception:
            return {}
        names = [table.hash_key_attr, table.range_key_attr]
        return {name: item[name] for name in names if name and name in item}

    table = request.get("TableName")
    consistent = bool(request.get("ConsistentRead"))
    if action == "GetItem":
        return [("read", table, request.get("Key", {}), consistent)]
    if action == "BatchGetItem":
        return [
            ("read", name, key, bool(spec.get("ConsistentRead")))
            for name, spec in request.get("RequestItems", {}).items()
            for key in spec.get("Keys", [])
        ]
    if action == "PutItem":
        return [("write", table, key_of(table, request.get("Item", {})), True)]
    if action in ("UpdateItem", "DeleteItem"):
        return [("write", table, request.get("Key", {}), True)]
    if action == "TransactWriteItems":
        touched = []
        for entry in request.get("TransactItems", []):
            for kind, spec in entry.items():
                name = spec.get("TableName")
                key = spec.get("Key") or key_of(name, spec.get("Item", {}))
                touched.append(
                    ("condition_check" if kind == "ConditionCheck" else "transact_write", name, key, True)
                )
        return touched
    return []


def leading_keys(action, request, touched, kinds):
    """[IAM action, item type] for each item a DynamoDB call names; the type
    is the partition key up to and with its first `#`. `kinds` are a
    transaction's item kinds (Put, Update, Delete, ConditionCheck), in the
    order of `touched`."""

    def item_type(key):
        # The table's partition key is `pk` (template.yaml).
        value = key.get("pk", {}).get("S", "")
        return value.split("#", 1)[0] + "#" if "#" in value else "?"

    if action == "Query":
        names = request.get("ExpressionAttributeNames", {})
        values = request.get("ExpressionAttributeValues", {})
        match = re.search(r"([#\w]+)\s*=\s*(:\w+)", request.get("KeyConditionExpression", ""))
        if not match:
            return [["dynamodb:Query", "?"]]
        value = values.get(match.group(2), {})
        return [["dynamodb:Query", item_type({names.get(match.group(1), match.group(1)): value})]]
    if action == "TransactWriteItems":
        needs = {"ConditionCheck": "ConditionCheckItem"}
        return [[f"dynamodb:{needs.get(kind, kind + 'Item')}", item_type(key)]
                for kind, (_, _, key, _) in zip(kinds, touched)]
    return [[f"dynamodb:{action}", item_type(key)] for _, _, key, _ in touched]


def request_units(touched, before, after):
    """What DynamoDB on demand bills (read request units, write request
    units): a read costs one unit per 4 KB of the item (half for an
    eventually consistent one), a write one per 1 KB of the larger of the
    item before and after it, each at least one; in a transaction every item
    costs twice, and a condition check is a transactional read. A key with no
    item still costs the minimum."""
    rru = wru = 0.0
    for (kind, _, _, consistent), old, new in zip(touched, before, after):
        size = max(old, new, 1)
        reads = -(-size // 4096)
        writes = -(-size // 1024)
        if kind == "read":
            rru += reads * (1.0 if consistent else 0.5)
        elif kind == "condition_check":
            rru += 2 * reads
        elif kind == "transact_write":
            wru += 2 * writes
        else:
            wru += writes
    return rru, wru


def transactions_check_then_write() -> None:
    """Patches moto's TransactWriteItems to do what DynamoDB does without
    copying the table: every item's condition is checked against the table
    as it is, and only when all hold are the writes made. moto's own copies
    every table a transaction names, once for each of its items, to roll
    back: on a table of a few thousand items each transaction took tens of
    milliseconds, and the copies (streams included) kept moto's memory
    growing until it was killed. Requests are served one at a time, so
    nothing moves between the checks and the writes. A write that still
    fails (an update expression moto refuses) puts back the items written
    before it."""
    from moto.dynamodb.comparisons import get_filter_expression
    from moto.dynamodb.exceptions import (
        ConditionalCheckFailed,
        MockValidationException,
        MultipleTransactionsException,
        TooManyTransactionsException,
        TransactionCanceledException,
        TransactWriteSingleOpException,
    )
    from moto.dynamodb.models import DynamoDBBackend

    def key_of(table, op_type, op):
        if op_type != "Put":
            return op["Key"]
        attrs = op["Item"]
        names = [table.hash_key_attr, table.range_key_attr]
        return {name: attrs[name] for name in names if name and name in attrs}

    def transact_write_items(self, transact_items):
        if len(transact_items) > 100:
            raise TooManyTransactionsException()
        seen = set()
        reasons = []
        writes = []
        for entry in transact_items:
            if len(entry) > 1:
                raise TransactWriteSingleOpException
            op_type, op = next(iter(entry.items()))
            if op_type not in {"ConditionCheck", "Put", "Delete", "Update"}:
                raise MockValidationException("Unsupported transaction operation")
            try:
                table = self.get_table(op["TableName"])
                key = key_of(table, op_type, op)
                identity = (op["TableName"], str(sorted(key.items())))
                if identity in seen:
                    raise MultipleTransactionsException()
                seen.add(identity)
                current = self.get_item(op["TableName"], key)
                condition = op.get("ConditionExpression")
                holds = condition is None or get_filter_expression(
                    condition,
                    op.get("ExpressionAttributeNames"),
                    op.get("ExpressionAttributeValues"),
                ).expr(current)
            except (MultipleTransactionsException, MockValidationException):
                raise
            except Exception as failed:  # as moto reports it: by its class
                reasons.append((type(failed).__name__, str(failed), None))
                continue
            if not holds:
                old = None
                if op.get("ReturnValuesOnConditionCheckFailure") == "ALL_OLD" and current:
                    old = current.to_json()["Attributes"]
                failed = ConditionalCheckFailed()
                reasons.append(("ConditionalCheckFailed", str(failed.message), old))
                continue
            reasons.append((None, None, None))
            if op_type != "ConditionCheck":
                before = current.to_json()["Attributes"] if current else None
                writes.append((op_type, op, key, before))
        if any(code is not None for code, _, _ in reasons):
            raise TransactionCanceledException(reasons)
        done = []
        try:
            for op_type, op, key, before in writes:
                name = op["TableName"]
                names = op.get("ExpressionAttributeNames")
                values = op.get("ExpressionAttributeValues")
                if op_type == "Put":
                    self.put_item(name, op["Item"])
                elif op_type == "Delete":
                    self.delete_item(name, key)
                else:
                    self.update_item(
                        name,
                        key,
                        update_expression=op["UpdateExpression"],
                        expression_attribute_names=names,
                        expression_attribute_values=values,
                    )
                done.append((name, key, before))
        except Exception:
            for name, key, before in reversed(done):
                if before is None:
                    self.delete_item(name, key)
                else:
                    self.put_item(name, before)
            raise

    DynamoDBBackend.transact_write_items = transact_write_items


def cancelled_transactions_leave_the_stream_alone() -> None:
    """Patches moto's TransactWriteItems so that a cancelled transaction
    takes its records back out of the stream and the table keeps the one
    shard that iterators read."""
    from moto.dynamodb.models import DynamoDBBackend

    transact = DynamoDBBackend.transact_write_items

    def transact_write_items(self, transact_items):
        shards = {
            name: (table.stream_shard, len(table.stream_shard.items))
            for name, table in self.tables.items()
            if table.stream_shard is not None
        }
        try:
            return transact(self, transact_items)
        except Exception:
            for name, (shard, length) in shards.items():
                del shard.items[length:]
                table = self.tables.get(name)
                if table is not None and table.stream_shard is not shard:
                    table.stream_shard = shard
                    shard.table = table
            raise

    DynamoDBBackend.transact_write_items = transact_write_items


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5000)
    parser.add_argument("--call-log", default=None)
    args = parser.parse_args()

    transactions_check_then_write()
    cancelled_transactions_leave_the_stream_alone()
    app = DomainDispatcherApplication(create_backend_app)
    lock = threading.Lock()
    call_log = open(args.call_log, "a", buffering=1) if args.call_log else None

    def record(environ):
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = io.BytesIO(body)
        scope = re.search(r"Credential=[^/]+/[^/]+/[^/]+/([^/]+)/", environ.get("HTTP_AUTHORIZATION", ""))
        if not scope:
            return None
        agents = environ.get("HTTP_X_AMZ_USER_AGENT", "") + " " + environ.get("HTTP_USER_AGENT", "")
        agent = re.search(r"\bapp/([^\s]+)", agents)
        entry = {"app": agent.group(1) if agent else None, "service": scope.group(1)}
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        if target:
            entry["action"] = target.split(".")[-1]
            try:
                request = json.loads(body or b"{}")
            except ValueError:
                request = {}
            if entry["action"] == "TransactWriteItems":
                items = request.get("TransactItems", [])
                entry["items"] = [kind for item in items for kind in item]
            if entry["service"] == "dynamodb":
                region = re.search(r"Credential=[^/]+/[^/]+/([^/]+)/", environ["HTTP_AUTHORIZATION"]).group(1)
                touched = touched_items(region, entry["action"], request)
                entry["keys"] = leading_keys(entry["action"], request, touched, entry.get("items", []))
                entry["tables"] = sorted({table for _, table, _, _ in touched if table}
                                         | ({request["TableName"]} if "TableName" in request else set()))
                entry["_touched"] = (region, touched, [item_size(region, t, k) for _, t, k, _ in touched])
        else:
            action = re.search(rb"(?:^|&)Action=([A-Za-z]+)", body)
            if action:
                entry["action"] = action.group(1).decode()
            else:
                method, path = environ.get("REQUEST_METHOD", ""), environ.get("PATH_INFO", "")
                entry["action"] = f"{method} {path}"
        return entry

    def missing_configuration_set(environ):
        """The configuration set a SES v2 SendEmail names, if it does not exist."""
        if environ.get("PATH_INFO") != "/v2/email/outbound-emails":
            return None
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = io.BytesIO(body)
        try:
            name = json.loads(body or b"{}").get("ConfigurationSetName")
        except ValueError:
            return None
        if not name:
            return None
        from moto.core import DEFAULT_ACCOUNT_ID
        from moto.ses.models import ses_backends

        scope = re.search(r"Credential=[^/]+/[^/]+/([^/]+)/", environ.get("HTTP_AUTHORIZATION", ""))
        region = scope.group(1) if scope else "us-east-1"
        if name in ses_backends[DEFAULT_ACCOUNT_ID][region].config_sets:
            return None
        return name

    def serialised(environ, start_response):
        services = parse_qs(environ.get("QUERY_STRING", "")).get("services")
        if environ.get("PATH_INFO") == "/moto-api/data.json" and services:
            with lock:
                body = model_data(set(services[0].split(",")))
            start_response("200 OK", [("Content-Type", "application/json")])
            return [body]
        if receives_messages(environ):
            return app(environ, start_response)
        outage = sms_outage(environ, start_response)
        if outage is not None:
            return outage
        if publish_to_outage(environ):
            start_response("503 Service Unavailable", [("Content-Type", "text/xml")])
            return [
                b"<ErrorResponse><Error><Type>Receiver</Type><Code>ServiceUnavailable</Code>"
                b"<Message>SMS outage</Message></Error><RequestId>outage</RequestId></ErrorResponse>"
            ]
        with lock:
            entry = record(environ) if call_log is not None else None
            missing = missing_configuration_set(environ)
            if missing is not None:
                start_response(
                    "404 Not Found",
                    [("Content-Type", "application/json"), ("x-amzn-ErrorType", "NotFoundException")],
                )
                message = f"Configuration set <{missing}> does not exist."
                return [json.dumps({"message": message}).encode()]
            started = time.perf_counter()
            body = list(app(environ, start_response))
            if entry is not None:
                # Time spent inside moto, so a benchmark can tell it apart.
                entry["ms"] = round((time.perf_counter() - started) * 1000, 3)
                if "_touched" in entry:
                    region, touched, before = entry.pop("_touched")
                    after = [item_size(region, t, k) for _, t, k, _ in touched]
                    entry["rru"], entry["wru"] = request_units(touched, before, after)
                call_log.write(json.dumps(entry) + "\n")
            return body

    # At once: sys.exit would wait for every request still queued behind the
    # lock, and a stopped stack would leave its emulator working for minutes.
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    run_simple(
        args.host,
        args.port,
        serialised,
        threaded=True,
        request_handler=MotoRequestHandler,
    )


if __name__ == "__main__":
    main()
