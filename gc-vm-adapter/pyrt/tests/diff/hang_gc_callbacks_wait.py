# gc.callbacks are run by the collection like finalizers: without the collection lock. A
# callback that calls gc.collect() gets 0 (collections do not nest on one thread); one that
# starts a thread which collects, and joins it, must not deadlock (it did: issue 22).
# The callbacks act on the main thread's collections only: how a collect() from another
# thread during a callback is served differs on purpose (CPython returns 0 at once; pyrt
# runs it alongside), and automatic collections are off so that the count is CPython's.
import gc
import threading

gc.disable()
MAIN = threading.get_ident()
log = []


def nested(phase, info):
    if phase == "start" and threading.get_ident() == MAIN:
        log.append(("nested", gc.collect()))


def joiner(phase, info):
    if phase == "stop" and threading.get_ident() == MAIN and len(log) < 4:
        out = []
        t = threading.Thread(target=lambda: out.append(gc.collect()))
        t.start()
        t.join()
        log.append(("joined", out[0] >= 0))


def allocator(phase, info):
    if phase == "stop" and threading.get_ident() == MAIN:
        junk = [[i] for i in range(2000)]
        for j in junk:
            j.append(j)


gc.callbacks.extend([nested, joiner, allocator])
for i in range(3):
    a = []
    a.append(a)
    a = None
    print("collected at least one:", gc.collect() >= 1)
gc.callbacks.clear()
print(log[:4])
print("callbacks gone:", gc.callbacks == [])
