"""The local stack: the emulator, the table and demo accounts, the functions
under `cargo lambda watch`, the table's stream handed to `deliver` as Lambda
does (`infra/stream_poller.py`, with retries and a dead-letter queue), and
the public routes on one port, handed to the functions as API Gateway does
(`infra/gateway.py`), and admin-reset's function URL on another, which
verifies SigV4 as Lambda does (`infra/admin_url.py`) for an IAM user it
creates on the emulator (its keys: `target/local-admin.env`).

    make dev                      # or: .venv/bin/python infra/dev.py
    PORT=8080 make dev            # another port for the API

Environment (all optional):
    PORT               API port on 127.0.0.1 (default 3000)
    MOTO_PORT          emulator port (default 5000)
    LAMBDA_PORT        cargo lambda watch port (default 9000)
    ADMIN_PORT         admin-reset's function URL port (default 3001)
    RANGE_PORT         the breached-password range API's stand-in (default 3002)
    LOCAL_ADMIN_DIR    where the local administrator's keys go (default target)
    AWS_ENDPOINT_URL   use this emulator (e.g. LocalStack) instead of starting moto
    EDITION            cloud (default) or on_premise
    IGNORE_CHANGES     1: do not rebuild a function when its source changes
                       (what the tests use: a rebuild mid-request is a 500)
    METRICS_LOG        also append every metric record (EMF) to this file

Every email and SMS is printed here as it is delivered. The recovery funnel,
counted from the metrics the functions write to their logs, is at
http://127.0.0.1:3000/local/funnel (`infra/funnel.py`). Ctrl-C stops
everything.
"""

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import admin_url
import funnel
import gateway
import range_standin

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
ROUTES = {
    "/password/forgot": "request-reset",
    "/password/forgot-login": "request-reset",
    "/.well-known/change-password": "request-reset",
    "/password/code": "verify-code",
    "/password/reset": "set-password",
    "/password/not-me": "lock-account",
}

children: list[subprocess.Popen] = []


def log(message: str) -> None:
    print(f"\033[1;34m[local-stack]\033[0m {message}", flush=True)


def start(args: list[str], env: dict, **kwargs) -> subprocess.Popen:
    child = subprocess.Popen(args, env=env, cwd=ROOT, start_new_session=True, **kwargs)
    children.append(child)
    return child


def stop_all(*_) -> None:
    for child in reversed(children):
        try:
            os.killpg(child.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    for child in children:
        try:
            child.wait(timeout=5)
        except subprocess.TimeoutExpired:
            os.killpg(child.pid, signal.SIGKILL)
    log("stopped")
    sys.exit(0)


def wait_for(url: str, seconds: float) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2).read()
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"{url} did not answer within {seconds:.0f} s")


def sent_emails(endpoint: str) -> list[dict]:
    """Emails the emulator holds: moto's /moto-api, or LocalStack's /_aws/ses."""
    try:
        # infra/emulator.py answers for SES alone; a plain moto server
        # ignores the query and answers everything.
        with urllib.request.urlopen(f"{endpoint}/moto-api/data.json?services=ses", timeout=5) as r:
            return json.load(r).get("ses", {}).get("Message", [])
    except (OSError, ValueError):
        pass
    try:
        with urllib.request.urlopen(f"{endpoint}/_aws/ses", timeout=5) as r:
            return [
                {
                    "destinations": {"ToAddresses": m.get("Destination", {}).get("ToAddresses", [])},
                    "subject": m.get("Subject", ""),
                    "body": (m.get("Body") or {}).get("html_part") or (m.get("Body") or {}).get("text_part") or "",
                }
                for m in json.load(r).get("messages", [])
            ]
    except (OSError, ValueError):
        return []


def sent_texts(endpoint: str) -> list[tuple[str, str]]:
    """(number, text) of every SMS moto holds."""
    try:
        with urllib.request.urlopen(f"{endpoint}/moto-api/data.json?services=sns", timeout=5) as r:
            data = json.load(r).get("sns", {})
    except (OSError, ValueError):
        return []
    found: list[tuple[str, str]] = []

    def walk(value):
        if isinstance(value, dict):
            if "phone_number" in value and "message" in value:
                found.append((value["phone_number"], value["message"]))
                return
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(data)
    return found


def print_texts(endpoint: str) -> None:
    seen = len(sent_texts(endpoint))
    while True:
        time.sleep(1)
        texts = sent_texts(endpoint)
        for number, text in texts[seen:]:
            print(f"\033[1;35m[sms]\033[0m to {number}: {text}", flush=True)
        seen = len(texts)


def print_events(endpoint: str, bus: str) -> None:
    """Prints the product's events: a rule on the bus sends them to a queue
    (as a product's own rule would), read here."""
    import boto3  # installed with moto

    options = {"endpoint_url": endpoint, "region_name": "us-east-1",
               "aws_access_key_id": "test", "aws_secret_access_key": "test"}
    sqs, events = boto3.client("sqs", **options), boto3.client("events", **options)
    url = sqs.create_queue(QueueName="password-recovery-local-product-events")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    events.put_rule(Name="password-recovery-local-product", EventBusName=bus,
                    EventPattern=json.dumps({"source": ["password-recovery"]}))
    events.put_targets(Rule="password-recovery-local-product", EventBusName=bus,
                       Targets=[{"Id": "queue", "Arn": arn}])
    while True:
        for message in sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1).get("Messages", []):
            event = json.loads(message["Body"])
            print(f"\033[1;36m[event]\033[0m {event.get('detail-type')}: {json.dumps(event.get('detail'))}",
                  flush=True)
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])


def local_administrator(endpoint: str, identities: Path, env_file: Path) -> None:
    """An IAM user `local-admin` on the emulator with an access key: its
    key, secret and ARN go to `identities` (what the function URL knows)
    and, as shell exports, to `env_file`."""
    import boto3  # installed with moto

    iam = boto3.client("iam", endpoint_url=endpoint, region_name="us-east-1",
                       aws_access_key_id="test", aws_secret_access_key="test")
    try:
        user = iam.create_user(UserName="local-admin")["User"]
    except iam.exceptions.EntityAlreadyExistsException:
        user = iam.get_user(UserName="local-admin")["User"]
    # An emulator kept from an earlier run (AWS_ENDPOINT_URL) holds its old
    # keys, whose secrets are gone, and IAM allows two: a new one each time.
    for old in iam.list_access_keys(UserName="local-admin")["AccessKeyMetadata"]:
        iam.delete_access_key(UserName="local-admin", AccessKeyId=old["AccessKeyId"])
    key = iam.create_access_key(UserName="local-admin")["AccessKey"]
    identities.parent.mkdir(parents=True, exist_ok=True)
    identities.write_text(json.dumps({key["AccessKeyId"]: {
        "secret": key["SecretAccessKey"], "arn": user["Arn"]}}))
    env_file.write_text(f"export AWS_ACCESS_KEY_ID={key['AccessKeyId']}\n"
                        f"export AWS_SECRET_ACCESS_KEY={key['SecretAccessKey']}\n"
                        "unset AWS_SESSION_TOKEN AWS_PROFILE\n"
                        "export AWS_REGION=us-east-1\n")
    os.chmod(env_file, 0o600)


def print_emails(endpoint: str) -> None:
    seen = len(sent_emails(endpoint))
    while True:
        time.sleep(1)
        messages = sent_emails(endpoint)
        for message in messages[seen:]:
            to = ", ".join(message.get("destinations", {}).get("ToAddresses", []))
            body = message.get("body", "")
            links = sorted(set(re.findall(r'href="([^"]+)"', body)))
            lines = [f"\033[1;32m[email]\033[0m to {to}: {message.get('subject', '')}"]
            lines += [f"        link: {link.replace('&amp;', '&')}" for link in links]
            if not links:
                text = re.sub(r"<[^>]+>", " ", body)
                lines.append("        " + " ".join(text.split())[:300])
            print("\n".join(lines), flush=True)
        seen = len(messages)


def relay(stream, counted: "funnel.Funnel", metrics_log: str | None) -> None:
    """Prints what the functions print, but their metrics, which it counts
    (and appends to `metrics_log`, when named)."""
    out = open(metrics_log, "a", encoding="utf-8") if metrics_log else None
    for raw in iter(stream.readline, b""):
        line = raw.decode("utf-8", "replace")
        if not counted.feed(line):
            sys.stdout.write(line)
            sys.stdout.flush()
        elif out:
            out.write(line[line.find("{"):].rstrip("\n") + "\n")
            out.flush()


LOGIN_PAGE = b"""<!DOCTYPE html><html lang="en"><meta charset="utf-8"><title>Log in</title>
<body style="font-family:sans-serif;max-width:420px;margin:80px auto">
<h1>Log in</h1><p>This is where your application's log-in page would be (LOGIN_URL).
Your new password is set; nothing here signs you in.</p>
<p><a href="/password/forgot">Forgot password</a></p></body></html>"""


def main() -> None:
    port = int(os.environ.get("PORT", "3000"))
    moto_port = int(os.environ.get("MOTO_PORT", "5000"))
    lambda_port = int(os.environ.get("LAMBDA_PORT", "9000"))
    admin_port = int(os.environ.get("ADMIN_PORT", "3001"))
    range_port = int(os.environ.get("RANGE_PORT", "3002"))
    base = f"http://127.0.0.1:{port}"
    env = dict(os.environ)
    env.setdefault("AWS_ACCESS_KEY_ID", "test")
    env.setdefault("AWS_SECRET_ACCESS_KEY", "test")
    env.setdefault("AWS_REGION", "us-east-1")
    env.setdefault("TABLE_NAME", "password-recovery-local")
    env.setdefault("MAIL_FROM", "no-reply@example.com")
    # `local-stack provision` creates it on the emulator.
    env.setdefault("EMAIL_CONFIGURATION_SET", "password-recovery-local-events")
    # The product's event bus; `local-stack provision` creates it.
    env.setdefault("EVENT_BUS_NAME", "password-recovery-local-bus")
    env.setdefault("RESET_PAGE_URL", f"{base}/password/reset")
    env.setdefault("LOGIN_URL", f"{base}/login")
    env.setdefault("SERVICE_NAME", "Example Cloud")
    env.setdefault("SUPPORT_CONTACT", "mailto:support@example.com")
    # The secrets the outbox key and the SMS code key come from;
    # `local-stack provision` creates them (random texts) on the emulator.
    env.setdefault("OUTBOX_SECRET_ARN", "password-recovery-local-outbox")
    env.setdefault("SMS_CODE_SECRET_ARN", "password-recovery-local-sms-code")
    env.setdefault("AWS_LAMBDA_LOG_LEVEL", "info")
    # New passwords are checked against a local stand-in of the Pwned
    # Passwords range API (infra/range_standin.py), never the real one.
    env.setdefault("BREACHED_PASSWORDS_URL", f"http://127.0.0.1:{range_port}/range/")
    env["PATH"] = f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}"

    signal.signal(signal.SIGINT, stop_all)
    signal.signal(signal.SIGTERM, stop_all)

    endpoint = env.get("AWS_ENDPOINT_URL")
    if endpoint:
        log(f"using the emulator at {endpoint}")
    else:
        endpoint = f"http://127.0.0.1:{moto_port}"
        env["AWS_ENDPOINT_URL"] = endpoint
        log(f"starting moto on {endpoint}")
        start([sys.executable, str(ROOT / "infra/emulator.py"), "--port", str(moto_port)], env,
              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for(f"{endpoint}/moto-api/data.json", 30)

    log("creating the table from template.yaml and seeding demo accounts")
    # Seeding is no recovery: it writes no metrics (the invitation it sends
    # is in the day's tally all the same).
    provision = subprocess.run(["cargo", "run", "--quiet", "-p", "local-stack", "--", "provision"],
                               env={**env, "METRICS_NAMESPACE": "off"}, cwd=ROOT)
    if provision.returncode != 0:
        log("provisioning failed")
        stop_all()

    standin = range_standin.ThreadingHTTPServer(("127.0.0.1", range_port), range_standin.Handler)
    standin.daemon_threads = True
    threading.Thread(target=standin.serve_forever, daemon=True).start()
    log(f"the breached-password range API's stand-in on 127.0.0.1:{range_port}")

    log(f"starting cargo lambda watch on 127.0.0.1:{lambda_port}")
    watch = [str(VENV_BIN / "cargo-lambda"), "lambda", "watch", "--disable-cors", "-A", "127.0.0.1", "-P", str(lambda_port)]
    if env.get("IGNORE_CHANGES") == "1":
        watch.append("--ignore-changes")
    # The functions' output: their metrics (EMF records) are counted for
    # the funnel page, everything else is printed.
    counted = funnel.Funnel()
    watching = start(watch, env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    threading.Thread(target=relay, args=(watching.stdout, counted, env.get("METRICS_LOG")),
                     daemon=True).start()
    pages = {"/login": LOGIN_PAGE, "/local/funnel": counted.page}
    server = gateway.Server(("127.0.0.1", port), gateway.router(lambda_port, ROUTES, pages))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    admin_dir = Path(env.get("LOCAL_ADMIN_DIR") or ROOT / "target")
    identities, admin_env = admin_dir / "local-admin.json", admin_dir / "local-admin.env"
    local_administrator(endpoint, identities, admin_env)
    admin_server = gateway.Server(("127.0.0.1", admin_port), admin_url.handler(
        f"http://127.0.0.1:{lambda_port}", json.loads(identities.read_text())))
    threading.Thread(target=admin_server.serve_forever, daemon=True).start()
    threading.Thread(target=print_emails, args=(endpoint,), daemon=True).start()
    threading.Thread(target=print_texts, args=(endpoint,), daemon=True).start()
    threading.Thread(target=print_events, args=(endpoint, env["EVENT_BUS_NAME"]), daemon=True).start()

    def warm_up():
        wait_for(f"http://127.0.0.1:{lambda_port}/", 120)
        for path in ROUTES:
            try:
                urllib.request.urlopen(f"{base}{path}", timeout=600).read()
            except urllib.error.HTTPError:
                pass
            except OSError:
                pass
        # deliver compiles on its first call too; then the stream flows.
        invoke = f"http://127.0.0.1:{lambda_port}/2015-03-31/functions/deliver/invocations"
        try:
            urllib.request.urlopen(urllib.request.Request(invoke, data=b'{"Records": []}'), timeout=600).read()
        except OSError:
            pass
        log("handing the table's stream to deliver (dead letters: queue password-recovery-local-dead-letters)")
        for event in ("OutboxEmail", "OutboxSms"):  # one per mapping, as in the template
            start([sys.executable, str(ROOT / "infra/stream_poller.py"), "--endpoint", endpoint,
                   "--table", env["TABLE_NAME"], "--event", event, "--invoke-url", invoke,
                   "--dead-letter-queue", "password-recovery-local-dead-letters"], env)
        log(f"""ready on {base}
    open     {base}/password/forgot   (demo logins: ada, grace, linus; see README)
    funnel   {base}/local/funnel      (what the functions counted)
    or curl  -X POST {base}/password/forgot -H 'content-type: application/json' -d '{{"login":"ada"}}'
    or curl  -X POST {base}/password/forgot -H 'content-type: application/json' -d '{{"login":"+49 151 12345678"}}'
    administrator actions: admin-reset's function URL, http://127.0.0.1:{admin_port}/, signed (README):
             source target/local-admin.env
             .venv/bin/awscurl --service lambda -X POST -d '{{"action":"get_user","login":"ada"}}' http://127.0.0.1:{admin_port}/
    emails and text messages appear below. Ctrl-C stops everything.""")

    threading.Thread(target=warm_up, daemon=True).start()
    log("compiling the functions on first use; this takes a minute on a fresh checkout")
    while True:
        time.sleep(1)
        for child in children:
            if child.poll() is not None:
                log(f"{child.args[0]} exited with {child.returncode}")
                stop_all()


if __name__ == "__main__":
    main()
