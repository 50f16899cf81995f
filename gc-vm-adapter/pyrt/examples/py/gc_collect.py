"""pyperformance gc_collect shape: many rings of 21 nodes become garbage, then time gc.collect().

Usage: gc_collect.py [cycles=10000] [loops=3]
Runs unchanged on CPython 3.13+ and on this runtime (`pyrt`).
"""
import gc
import sys
import time

CYCLE_SIZE = 21


class Node:
    def __init__(self):
        self.next = None
        self.prev = None


def link(a, b):
    a.next = b
    b.prev = a


def create_cycle(size):
    first = Node()
    node = first
    for _ in range(size - 1):
        nxt = Node()
        link(node, nxt)
        node = nxt
    link(node, first)
    return first


def create_garbage(cycles):
    rings = []
    for _ in range(cycles):
        rings.append(create_cycle(CYCLE_SIZE))
    return rings


def main():
    cycles = int(sys.argv[1]) if len(sys.argv) > 1 else 10000
    loops = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    gc.disable()
    times = []
    for _ in range(loops):
        gc.collect()
        rings = create_garbage(cycles)
        del rings
        t0 = time.perf_counter()
        collected = gc.collect()
        times.append(time.perf_counter() - t0)
        assert collected >= cycles * CYCLE_SIZE, collected
    gc.enable()
    best = min(times)
    print(f"gc_collect: {cycles} rings of {CYCLE_SIZE} nodes, {loops} loops")
    print(f"collected per loop >= {cycles * CYCLE_SIZE}")
    print(f"gc.collect() best {best * 1000:.2f} ms, mean {sum(times) / len(times) * 1000:.2f} ms")


main()
