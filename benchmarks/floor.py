"""`python -m benchmarks.floor URL`: the floor a poll is measured against, in a fresh process: a bare `httpx.get` and
`json.loads` of the answer, nothing else. Prints the wall time (s) and the peak resident memory (MB)."""

from __future__ import annotations

import json
import sys
import time

import httpx


def peak_mb() -> float:
    """The process's peak resident memory (VmHWM: ru_maxrss would count the parent's memory at fork)."""
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) / 1024 for line in status if line.startswith("VmHWM:"))


def main(url: str) -> None:
    start = time.perf_counter()
    data = json.loads(httpx.get(url, timeout=120).content)
    wall = time.perf_counter() - start
    assert isinstance(data, dict)
    print(f"{wall:.6f} {peak_mb():.1f}")


if __name__ == "__main__":
    main(sys.argv[1])
