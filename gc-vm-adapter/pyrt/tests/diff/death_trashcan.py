# CPython's test_gc.test_trashcan and test_trashcan_threads, ported: nested lists, tuples,
# dicts and instances holding finalizable objects, some finalizers calling gc.collect(),
# dropped by refcount on one thread and on several at once. Every object is finalized once.
import gc
import threading

gc.enable()


class Ouch:
    n = 0

    def __del__(self):
        Ouch.n = Ouch.n + 1
        if Ouch.n % 17 == 0:
            gc.collect()


class Node:
    pass


N = 150
for count in range(2):
    t = []
    for i in range(N):
        t = [t, Ouch()]
    u = []
    for i in range(N):
        u = (u, Ouch())
    v = {}
    for i in range(N):
        v = {1: v, 2: Ouch()}
    w = None
    for i in range(N):
        n = Node()
        n.next = w
        n.o = Ouch()
        w = n
    n = None
print("test_trashcan:", Ouch.n)
t = u = v = w = None
print("after drop:", Ouch.n)

# test_trashcan_threads: NUM_THREADS threads build and drop nested containers whose elements
# have finalizers that allocate (and so trigger collections); every __init__ has its __del__.
NESTING = 60
NUM_THREADS = 4
NUM_ITERS = 15
lock = threading.Lock()
inits = [0]
dels = [0]


class C:
    def __init__(self, alist):
        self.items = list(alist)
        with lock:
            inits[0] += 1

    def __del__(self):
        with lock:
            dels[0] += 1
            k = dels[0]
        # Allocation in the finalizer: a few collections start from here.
        junk = [[i] for i in range(30)]
        if k % 50 == 0:
            gc.collect()


def make_nested():
    x = C([])
    for i in range(NESTING):
        x = [C([x])]
    del x


def run_thread():
    for i in range(NUM_ITERS):
        make_nested()


old = gc.get_threshold()
gc.set_threshold(50)
threads = [threading.Thread(target=run_thread) for _ in range(NUM_THREADS)]
for th in threads:
    th.start()
for th in threads:
    th.join()
gc.set_threshold(*old)
gc.collect()
print("test_trashcan_threads:", inits[0], dels[0], inits[0] == dels[0])
print("garbage:", gc.garbage)
