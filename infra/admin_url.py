"""admin-reset's function URL (`AuthType: AWS_IAM`) in the local stack.

Like Lambda, it answers `403 {"Message": "Forbidden"}` to a request that is
not signed with SigV4 (service `lambda`) by a known access key, whose
signature does not match, or whose `X-Amz-Date` is more than five minutes
away; a signed one goes to admin-reset through the Lambda Invoke API of
`cargo lambda watch`, as a function URL event with the signer in
`requestContext.authorizer.iam`.

The signature is recomputed by botocore's own SigV4 signer over the headers
the request signed. The known access keys, with their secret and ARN, come
from a JSON file (`--identities`): `{"<key id>": {"secret": ..., "arn":
...}}`; the local stack creates an IAM user on the emulator and writes it.

    python infra/admin_url.py --port 3001 --lambda-url http://127.0.0.1:9000 \\
        --identities target/local-admin.json
"""

import argparse
import hashlib
import hmac
import json
import re
import sys
import time
from datetime import datetime, timezone

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

import gateway

FORBIDDEN = (403, [("content-type", "application/json")], b'{"Message":"Forbidden"}')
AUTHORIZATION = re.compile(
    r"AWS4-HMAC-SHA256 Credential=(?P<key>[^/]+)/(?P<date>\d{8})/(?P<region>[^/]+)/"
    r"(?P<service>[^/]+)/aws4_request, ?SignedHeaders=(?P<signed>[^,]+), ?Signature=(?P<signature>[0-9a-f]{64})$")
# How far a signature's time may be from now, as Lambda allows.
SKEW_SECONDS = 300


def signer(identities: dict, method: str, url: str, headers: list[tuple[str, str]],
           body: bytes, now: float | None = None) -> tuple[str, str] | None:
    """The (access key, ARN) that signed this request, or None when it is not
    signed by a known identity, or the signature does not hold."""
    found = {name.lower(): value for name, value in headers}
    match = AUTHORIZATION.match(found.get("authorization", ""))
    if not match or match["service"] != "lambda":
        return None
    identity = identities.get(match["key"])
    if identity is None:
        return None
    stamp = found.get("x-amz-date", "")
    try:
        signed_at = datetime.strptime(stamp, "%Y%m%dT%H%M%SZ").replace(tzinfo=timezone.utc)
    except ValueError:
        return None
    if abs(signed_at.timestamp() - (now or time.time())) > SKEW_SECONDS or stamp[:8] != match["date"]:
        return None
    declared = found.get("x-amz-content-sha256")
    if declared is not None and declared != hashlib.sha256(body).hexdigest():
        return None
    signed = match["signed"].split(";")
    if "host" not in signed or any(name not in found for name in signed):
        return None
    request = AWSRequest(method=method, url=url, data=body,
                         headers={name: found[name] for name in signed})
    request.context["timestamp"] = stamp
    auth = SigV4Auth(Credentials(match["key"], identity["secret"], found.get("x-amz-security-token")),
                     "lambda", match["region"])
    canonical = auth.canonical_request(request)
    expected = auth.signature(auth.string_to_sign(request, canonical), request)
    if not hmac.compare_digest(expected, match["signature"]):
        return None
    return match["key"], identity["arn"]


def url_event(method: str, path: str, query: str, headers: list[tuple[str, str]], body: bytes,
              source_ip: str, host: str, key: str, arn: str) -> dict:
    """The function URL event Lambda sends for a signed request."""
    event = gateway.event(method, path, query, headers, body, source_ip, host)
    account = arn.split(":")[4] if arn.count(":") >= 5 else "000000000000"
    event["routeKey"] = event["requestContext"]["routeKey"] = "$default"
    event["requestContext"]["authorizer"] = {"iam": {
        "accessKey": key, "accountId": account, "callerId": key, "userArn": arn, "userId": key,
    }}
    return event


def handler(lambda_url: str, identities: dict):
    import http.server
    from urllib.parse import urlsplit

    upstream = urlsplit(lambda_url)

    class AdminUrl(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, fmt, *args):
            sys.stderr.write(f"[admin-url] {self.command} -> {args[1] if len(args) > 1 else ''}\n")

        def forward(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            host = self.headers.get("Host") or "127.0.0.1"
            headers = list(self.headers.items())
            found = signer(identities, self.command, f"http://{host}{self.path}", headers, body)
            if found is None:
                return gateway.send(self, *FORBIDDEN)
            path, _, query = self.path.partition("?")
            payload = url_event(self.command, path, query, headers, body, self.client_address[0],
                                host.split(":", 1)[0], *found)
            result = gateway.invoke(upstream.hostname, upstream.port, "admin-reset", payload, "admin-url")
            gateway.send(self, *gateway.answer(result))

        do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = forward

    return AdminUrl


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--lambda-url", required=True)
    parser.add_argument("--identities", required=True)
    args = parser.parse_args()
    with open(args.identities, encoding="utf-8") as file:
        identities = json.load(file)
    server = gateway.Server(("127.0.0.1", args.port), handler(args.lambda_url, identities))
    server.serve_forever()


if __name__ == "__main__":
    main()
