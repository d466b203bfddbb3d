"""moto server with one request at a time.

moto applies a DynamoDB TransactWriteItems step by step and rolls back by
restoring a copy of the table, with no lock: two transactions running in two
threads can interleave and undo each other, which DynamoDB never does. Serving
one request at a time gives the emulator DynamoDB's atomicity. Everything else
is plain `moto_server`.

    python infra/emulator.py [--host 127.0.0.1] [--port 5000]
"""

import argparse
import signal
import sys
import threading

from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import run_simple


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5000)
    args = parser.parse_args()

    app = DomainDispatcherApplication(create_backend_app)
    lock = threading.Lock()

    def serialised(environ, start_response):
        with lock:
            return list(app(environ, start_response))

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    run_simple(
        args.host,
        args.port,
        serialised,
        threaded=True,
        request_handler=MotoRequestHandler,
    )


if __name__ == "__main__":
    main()
