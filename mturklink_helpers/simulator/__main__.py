"""``python -m mturklink_helpers.simulator serve --port 5000``: the simulator over HTTP."""

from __future__ import annotations

import argparse
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m mturklink_helpers.simulator",
        description="An offline MTurk Requester API (sandbox and production) with IAM and "
        "STS from moto, for boto3 programs and other MTurk tools.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve MTurk, IAM and STS on 127.0.0.1")
    serve.add_argument("--port", type=int, default=5000, help="port (default 5000)")
    serve.add_argument("--host", default="127.0.0.1", help="address (default 127.0.0.1)")
    serve.add_argument("--seed", type=int, default=0, help="seed of the worker pool and ids")
    serve.add_argument("--quiet", action="store_true", help="do not log each request")
    serve.add_argument("--no-auth", action="store_true",
                       help="accept any signature and skip IAM policy checks")
    args = parser.parse_args(argv)

    from .core import MTurkSimulator
    from .server import SimulatorServer

    server = SimulatorServer(args.port, args.host,
                             MTurkSimulator(seed=args.seed, auth=not args.no_auth),
                             log_requests=not args.quiet)
    print(f"MTurk sandbox:    {server.endpoint('sandbox')}", flush=True)
    print(f"MTurk production: {server.endpoint('production')}", flush=True)
    print(f"IAM and STS:      {server.url}", flush=True)
    print(f"Admin:            {server.url}/_admin/state  (see docs/simulator.md)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
