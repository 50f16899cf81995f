"""Multi-threaded garbage scaling: T threads build rings of nodes; 1 ring in 50 is kept in a
bounded per-thread live set (the rest becomes cyclic garbage). Collections are automatic;
their pauses are timed through gc.callbacks ("start"/"stop").

Usage: gc_scaling.py [threads=2] [seconds=1.0] [live_rings_per_thread=200]
Prints the GC share of wall time and pause p50 / p99 / max.
Runs unchanged on CPython 3.13+ and on this runtime (`pyrt`).
"""
import gc
import sys
import threading
import time

RING = 16
KEEP_EVERY = 50


class Node:
    __slots__ = ("next", "payload")

    def __init__(self, payload):
        self.next = None
        self.payload = payload


def make_ring(n):
    first = Node(0)
    node = first
    for i in range(1, n):
        nxt = Node(i)
        node.next = nxt
        node = nxt
    node.next = first
    return first


pauses = []
start = [0.0]


def on_gc(phase, info):
    if phase == "start":
        start[0] = time.perf_counter()
    else:
        pauses.append(time.perf_counter() - start[0])


def worker(deadline, live_cap, counts, idx):
    live = [None] * live_cap
    made = 0
    while time.perf_counter() < deadline:
        for _ in range(100):
            ring = make_ring(RING)
            made += 1
            if made % KEEP_EVERY == 0:
                live[(made // KEEP_EVERY) % live_cap] = ring
    counts[idx] = made


def percentile(sorted_values, p):
    if not sorted_values:
        return 0.0
    i = int(p * (len(sorted_values) - 1) + 0.5)
    return sorted_values[min(i, len(sorted_values) - 1)]


def main():
    nthreads = int(sys.argv[1]) if len(sys.argv) > 1 else 2
    seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 1.0
    live_cap = int(sys.argv[3]) if len(sys.argv) > 3 else 200
    gc.collect()
    gc.callbacks.append(on_gc)
    counts = [0] * nthreads
    t0 = time.perf_counter()
    deadline = t0 + seconds
    threads = [
        threading.Thread(target=worker, args=(deadline, live_cap, counts, i))
        for i in range(nthreads)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    gc.callbacks.remove(on_gc)
    ps = sorted(pauses)
    total = sum(ps)
    rings = sum(counts)
    print(f"threads={nthreads} seconds={seconds} ring={RING} keep=1/{KEEP_EVERY} live_cap={live_cap}")
    print(f"rings built {rings} ({rings / wall:.0f}/s), collections {len(ps)}")
    print(f"wall {wall:.3f} s, gc {total:.3f} s, gc share {100.0 * total / wall:.1f}%")
    print(
        f"pause p50 {percentile(ps, 0.50) * 1000:.3f} ms, "
        f"p99 {percentile(ps, 0.99) * 1000:.3f} ms, "
        f"max {(ps[-1] if ps else 0.0) * 1000:.3f} ms"
    )


main()
