# Memory-safety issue 22, item 2 at full size: structures ten million deep, freed by reference
# count and by the collector (a cycle closing at the bottom), on the main thread's default
# stack and on a threading.Thread's. Too slow for the debug-build test runner: .ci/stress.sh
# runs it on a release build of pyrt, once per line of deep_10m.args (arguments: depth, then
# the structures to build; one kind per process bounds the peak memory), and compares the
# concatenated stdout and the exit statuses with deep_10m.expected (CPython 3.11's, made the
# same way). Without arguments: every kind, 10**7 deep, in one process.
import gc
import sys
import threading

N = int(sys.argv[1]) if len(sys.argv) > 1 else 10**7


class Node:
    pass


def lists(n):
    t = []
    for i in range(n):
        t = [t]
    return t


def tuples(n):
    t = ()
    for i in range(n):
        t = (t,)
    return t


def dicts(n):
    d = {}
    for i in range(n):
        d = {"d": d}
    return d


def instances(n):
    x = None
    for i in range(n):
        m = Node()
        m.next = x
        x = m
    return x


def mixture(n):
    # list -> tuple -> dict -> instance -> list ...
    x = None
    for i in range(n):
        k = i % 4
        if k == 0:
            x = [x]
        elif k == 1:
            x = (x,)
        elif k == 2:
            x = {"x": x}
        else:
            m = Node()
            m.x = x
            x = m
    return x


def by_refcount(make, n):
    x = make(n)
    x = None
    return "freed"


def by_collector(n):
    # A cycle: the bottom list refers back to the top; only the collector can free it.
    bottom = []
    t = bottom
    for i in range(n):
        t = [t]
    bottom.append(t)
    t = bottom = None
    return gc.collect() >= n


KINDS = {
    "lists": lists,
    "tuples": tuples,
    "dicts": dicts,
    "instances": instances,
    "mixture": mixture,
}


def run(n, where, kinds):
    for name in kinds:
        if name == "cycle":
            print(where, "cycle collected:", by_collector(n), flush=True)
        else:
            print(where, name, by_refcount(KINDS[name], n), flush=True)


kinds = sys.argv[2:] or list(KINDS) + ["cycle"]
run(N, "main", kinds)

# On a thread: the same, on a thread's (smaller) default stack.
result = []


def on_thread():
    run(N, "thread", kinds)
    result.append("done")


th = threading.Thread(target=on_thread)
th.start()
th.join()
print("thread", result)
