# A cycle through a dict key is found by the collector; a memo dict keyed by instances
# filled from several threads loses nothing.
import gc
import threading
import weakref


class A:
    pass


def key_cycle():
    a = A()
    a.d = {a: 1}  # a -> dict -> (key) a
    return weakref.ref(a)


def tuple_key_cycle():
    a = A()
    a.d = {(a, "tag"): None}  # a -> dict -> key tuple -> a
    return weakref.ref(a)


gc.disable()
refs = [key_cycle(), tuple_key_cycle()]
print([r() is None for r in refs])
gc.collect()
print([r() is None for r in refs])
gc.enable()


class Node:
    def __init__(self, i):
        self.i = i


memo = {}
lock = threading.Lock()
per_thread = 300
nodes = [[Node(t * 1000 + i) for i in range(per_thread)] for t in range(4)]


def work(t):
    for n in nodes[t]:
        memo[n] = n.i * 2
        memo[(n, t)] = t


threads = [threading.Thread(target=work, args=(t,)) for t in range(4)]
for th in threads:
    th.start()
for th in threads:
    th.join()
print(len(memo))
ok = all(memo[n] == n.i * 2 and memo[(n, t)] == t for t in range(4) for n in nodes[t])
print(ok)


# Keys with their own __hash__ (colliding on purpose) and __eq__, inserted and looked up from
# four threads at once: every lookup runs Python __eq__ with the dict unlocked.
class P:
    def __init__(self, t, i):
        self.t, self.i = t, i

    def __hash__(self):
        return self.i % 7

    def __eq__(self, other):
        return isinstance(other, P) and self.t == other.t and self.i == other.i


shared = {}


def work2(t):
    for i in range(120):
        shared[P(t, i)] = (t, i)
    for i in range(0, 120, 2):
        del shared[P(t, i)]


threads = [threading.Thread(target=work2, args=(t,)) for t in range(4)]
for th in threads:
    th.start()
for th in threads:
    th.join()
print(len(shared))
print(all(shared[P(t, i)] == (t, i) for t in range(4) for i in range(1, 120, 2)))
print(any(P(t, i) in shared for t in range(4) for i in range(0, 120, 2)))


# A collection from inside __eq__, in the middle of a lookup (the dict is not locked then).
class Collecting:
    def __init__(self, n):
        self.n = n

    def __hash__(self):
        return 3

    def __eq__(self, other):
        gc.collect()
        return isinstance(other, Collecting) and self.n == other.n


dc = {Collecting(1): "one", Collecting(2): "two"}
junk = key_cycle()
print(dc[Collecting(2)], Collecting(3) in dc, junk() is None)
