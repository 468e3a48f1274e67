"""A TCP (and optionally UDP) echo service: the service under test of examples/echo.yaml.

Usage: python echo_server.py --port PORT [--udp-port PORT] [--exit-after SECONDS]

It prints ``listening on 127.0.0.1:PORT`` once it accepts connections, echoes every line back,
and exits cleanly on SIGTERM. ``--exit-after`` makes it crash on purpose (status 3) after that
many seconds, to show how the runner reports a service that dies mid-test.
"""

from __future__ import annotations

import argparse
import os
import signal
import socketserver
import sys
import threading
import time
from types import FrameType


class EchoHandler(socketserver.StreamRequestHandler):
    """Echo each line back until the client closes."""

    def handle(self) -> None:
        for line in self.rfile:
            self.wfile.write(line)
            self.wfile.flush()


class UdpEchoHandler(socketserver.BaseRequestHandler):
    """Echo each datagram back to its sender."""

    def handle(self) -> None:
        data, sock = self.request
        sock.sendto(data, self.client_address)


class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--udp-port", type=int)
    parser.add_argument("--exit-after", type=float)
    args = parser.parse_args()

    server = Server(("127.0.0.1", args.port), EchoHandler)
    servers: list[socketserver.BaseServer] = [server]
    if args.udp_port:
        udp = socketserver.ThreadingUDPServer(("127.0.0.1", args.udp_port), UdpEchoHandler)
        servers.append(udp)
    for extra in servers[1:]:
        threading.Thread(target=extra.serve_forever, daemon=True).start()

    def stop(signum: int, frame: FrameType | None) -> None:
        print(f"got signal {signum}, shutting down", flush=True)
        threading.Thread(target=server.shutdown).start()

    signal.signal(signal.SIGTERM, stop)
    if args.exit_after is not None:

        def crash() -> None:
            time.sleep(args.exit_after)
            print("crashing on purpose", file=sys.stderr, flush=True)
            os._exit(3)

        threading.Thread(target=crash, daemon=True).start()

    print(f"listening on 127.0.0.1:{args.port}", flush=True)
    server.serve_forever()
    for s in servers:
        s.server_close()
    print("bye", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
