"""`python -m tmail_tui.emulator --port N --key K`: serve the emulated API until interrupted."""

from __future__ import annotations

import argparse
import sys
import threading

from .server import Emulator


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tmail_tui.emulator",
                                     description="A local emulator of the Temp Mail User API.")
    parser.add_argument("--port", type=int, default=8025, help="port on 127.0.0.1 (default 8025; 0 picks one)")
    parser.add_argument("--key", default="demo-key", help="the API key clients must send (default demo-key)")
    parser.add_argument("--plan", choices=("free", "premium"), default="premium")
    parser.add_argument("--ttl", type=float, default=600.0, help="seconds before a mailbox expires (default 600)")
    parser.add_argument("--quota", type=int, default=50_000, help="monthly request quota (default 50000)")
    parser.add_argument("--demo", action="store_true", help="seed new boxes with demo mail and keep mail arriving")
    parser.add_argument("--feed-interval", type=float, default=20.0, help="seconds between demo messages")
    args = parser.parse_args(argv)
    emulator = Emulator(args.key, plan=args.plan, ttl=args.ttl, quota_limit=args.quota, demo=args.demo,
                        feed_interval=args.feed_interval)
    try:
        url = emulator.start(args.port)
    except OSError as exc:
        print(f"emulator: cannot listen on port {args.port}: {exc.strerror}", file=sys.stderr)
        return 1
    print(f"Temp Mail emulator on {url} ({args.plan} plan). Ctrl-C stops it.", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        emulator.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
