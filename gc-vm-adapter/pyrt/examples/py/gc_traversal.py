"""pyperformance gc_traversal shape: lists 0..n-1 where list k holds k references to list k-1,
all live; time gc.collect() traversing the live heap.

Usage: gc_traversal.py [levels=1000] [loops=3]
Runs unchanged on CPython 3.13+ and on this runtime (`pyrt`).
"""
import gc
import sys
import time


def create_recursive_containers(levels):
    current = []
    for n in range(levels):
        new = [None] * n
        for i in range(n):
            new[i] = current
        current = new
    return current


def main():
    levels = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    loops = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    root = create_recursive_containers(levels)
    times = []
    for _ in range(loops):
        t0 = time.perf_counter()
        collected = gc.collect()
        times.append(time.perf_counter() - t0)
        assert collected == 0, collected
    refs = levels * (levels - 1) // 2
    print(f"gc_traversal: {levels} lists, {refs} references, {loops} loops")
    print(f"live root has {len(root)} items")
    print(f"gc.collect() best {min(times) * 1000:.2f} ms, mean {sum(times) / len(times) * 1000:.2f} ms")


main()
