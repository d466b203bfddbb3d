"""API Gateway's part in the local stack: HTTP requests in, each handed to
its function as an HTTP API (payload format 2.0) event through the Lambda
Invoke API of `cargo lambda watch`, and the function's answer back out.

Like API Gateway, and unlike `cargo lambda watch`'s own HTTP front, it hands
over any body: one that is not UTF-8 text, or whose content type is not
text, goes base64-encoded (`isBase64Encoded`); the caller's address is the
socket's (`requestContext.http.sourceIp`), whatever `X-Forwarded-For` says;
a function that fails is a `500 {"message": "Internal Server Error"}`.
`Server` listens with a backlog that holds a burst of clients: socketserver's
default of 5 refuses connections beyond it, which clients only retry seconds
later.
"""

import base64
import http.client
import http.server
import json
import sys
import time
import uuid
from urllib.parse import parse_qsl

# Content types API Gateway passes as text; everything else is base64.
TEXT_TYPES = ("text/", "application/json", "application/x-www-form-urlencoded",
              "application/xml", "application/javascript")


def is_text(content_type: str, body: bytes) -> bool:
    kind = content_type.split(";", 1)[0].strip().lower()
    textual = any(kind.startswith(t) for t in TEXT_TYPES) or kind.endswith("+json")
    if not textual:
        return False
    try:
        body.decode("utf-8")
        return True
    except UnicodeDecodeError:
        return False


def event(method: str, path: str, query: str, headers: list[tuple[str, str]],
          body: bytes | None, source_ip: str, host: str) -> dict:
    """The payload 2.0 event API Gateway would send for this request."""
    joined: dict[str, str] = {}
    cookies: list[str] = []
    for name, value in headers:
        name = name.lower()
        if name == "cookie":
            cookies += [c.strip() for c in value.split(";") if c.strip()]
            continue
        joined[name] = f"{joined[name]},{value}" if name in joined else value
    parameters: dict[str, str] = {}
    for name, value in parse_qsl(query, keep_blank_values=True):
        parameters[name] = f"{parameters[name]},{value}" if name in parameters else value
    now = time.time()
    route = f"{method} {path}"
    result = {
        "version": "2.0",
        "routeKey": route,
        "rawPath": path,
        "rawQueryString": query,
        "headers": joined,
        "requestContext": {
            "accountId": "000000000000",
            "apiId": "local",
            "domainName": host,
            "domainPrefix": host.split(".", 1)[0],
            "http": {
                "method": method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": source_ip,
                "userAgent": joined.get("user-agent", ""),
            },
            "requestId": str(uuid.uuid4()),
            "routeKey": route,
            "stage": "$default",
            "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
            "timeEpochMillis": int(now * 1000),
        },
        "isBase64Encoded": False,
    }
    if cookies:
        result["cookies"] = cookies
    if parameters:
        result["queryStringParameters"] = parameters
    if body:
        if is_text(joined.get("content-type", ""), body):
            result["body"] = body.decode("utf-8")
        else:
            result["body"] = base64.b64encode(body).decode("ascii")
            result["isBase64Encoded"] = True
    return result


FAILED = (500, [("content-type", "application/json")], b'{"message":"Internal Server Error"}')


def answer(result: object) -> tuple[int, list[tuple[str, str]], bytes]:
    """Status, headers and body from what a function returned; a failed or
    malformed invocation is API Gateway's 500."""
    if not isinstance(result, dict) or "errorType" in result or "errorMessage" in result:
        return FAILED
    try:
        status = int(result.get("statusCode", 200))
        headers = [(k, str(v)) for k, v in (result.get("headers") or {}).items()]
        for name, values in (result.get("multiValueHeaders") or {}).items():
            if not any(k.lower() == name.lower() for k, _ in headers):
                headers += [(name, str(v)) for v in values]
        headers += [("set-cookie", c) for c in result.get("cookies") or []]
        body = result.get("body") or ""
        data = base64.b64decode(body) if result.get("isBase64Encoded") else body.encode("utf-8")
    except (TypeError, ValueError, AttributeError):
        return FAILED
    return status, headers, data


def send(handler: http.server.BaseHTTPRequestHandler, status: int,
         headers: list[tuple[str, str]], body: bytes) -> None:
    """Writes an answer on `handler`, its length counted here."""
    handler.send_response(status)
    for name, value in headers:
        if name.lower() not in ("content-length", "transfer-encoding", "connection", "date", "server"):
            handler.send_header(name, value)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    if handler.command != "HEAD":
        handler.wfile.write(body)


def invoke(host: str, port: int, function: str, payload: dict, label: str) -> object:
    """What `function` returned for `payload` through the Lambda Invoke API
    of `cargo lambda watch` at host:port; None when the call failed."""
    conn = http.client.HTTPConnection(host, port, timeout=600)
    try:
        conn.request("POST", f"/2015-03-31/functions/{function}/invocations",
                     body=json.dumps(payload), headers={"Content-Type": "application/json"})
        upstream = conn.getresponse()
        raw = upstream.read()
        return json.loads(raw) if upstream.status == 200 else None
    except (OSError, ValueError) as err:
        sys.stderr.write(f"[{label}] {function}: {err}\n")
        return None
    finally:
        conn.close()


class Server(http.server.ThreadingHTTPServer):
    """One thread per request, with room for 1,024 connections waiting to be
    accepted (the kernel's `somaxconn` may cap it lower)."""

    request_queue_size = 1024


def router(lambda_port: int, routes: dict[str, str], pages: dict[str, bytes]):
    """The HTTP server's handler: `routes` maps a path to its function;
    `pages` are paths answered here (`/`, the log-in stand-in, the local
    funnel): each the page's bytes, or a function that makes them."""

    class Router(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, fmt, *args):
            path = self.path.split("?", 1)[0]
            sys.stderr.write(f"[api] {self.command} {path} -> {args[1] if len(args) > 1 else ''}\n")

        def send(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
            send(self, status, headers, body)

        def forward(self):
            path, _, query = self.path.partition("?")
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else None
            if path == "/":
                return self.send(302, [("Location", "/password/forgot")], b"")
            if path in pages:
                page = pages[path]() if callable(pages[path]) else pages[path]
                return self.send(200, [("Content-Type", "text/html; charset=utf-8")], page)
            function = routes.get(path)
            if function is None:
                return self.send(404, [("Content-Type", "application/json")], b'{"message":"Not Found"}')
            host = (self.headers.get("Host") or "127.0.0.1").split(":", 1)[0]
            payload = event(self.command, path, query, list(self.headers.items()), body,
                            self.client_address[0], host)
            result = invoke("127.0.0.1", lambda_port, function, payload, "api")
            self.send(*answer(result))

        def __getattr__(self, name: str):
            # Every method (TRACE, QUERY, ...) reaches the function, which
            # answers 405 to what it does not serve.
            if name.startswith("do_"):
                return self.forward
            raise AttributeError(name)

    return Router
