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
