"""A small JSON-over-HTTP server (http.server only) that runs as a FlavorPack service.

The launcher starts it detached and tells it its port (FLAVOR_SERVICE_PORT) and its log file
(FLAVOR_SERVICE_LOG); what it prints goes to that log. It must stay in the foreground and listen on
127.0.0.1 (or all addresses): the launcher's health check connects there.
"""

import json
import os
import signal
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from service_demo import __version__

STARTED = time.time()


class Handler(BaseHTTPRequestHandler):
    server_version = "service-demo/" + __version__

    def do_GET(self):
        if self.path == "/health":
            self.reply(200, {"ok": True})
        elif self.path == "/":
            self.reply(200, {
                "service": "service-demo",
                "version": __version__,
                "pid": os.getpid(),
                "uptime_seconds": round(time.time() - STARTED, 1),
                "python": sys.version.split()[0],
            })
        else:
            self.reply(404, {"error": "no such path: " + self.path})

    def reply(self, status, doc):
        body = (json.dumps(doc) + "\n").encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, fmt, *args):
        print("%s %s" % (self.address_string(), fmt % args), flush=True)


def main(argv=None):
    port = int(os.environ.get("FLAVOR_SERVICE_PORT", "8741"))
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    # `service stop` sends SIGTERM: leave serve_forever through SystemExit, close the socket, log it.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print("service-demo %s listening on http://127.0.0.1:%d (pid %d)" % (__version__, port, os.getpid()), flush=True)
    try:
        server.serve_forever()
    finally:
        server.server_close()
        print("service-demo stopped", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
