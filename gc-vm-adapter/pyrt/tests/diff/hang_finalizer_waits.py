# Memory-safety issue, item 4: finalizers of cyclic garbage that wait on other threads must
# not deadlock the process (CPython runs finalizers with the world running and no collector
# lock held). Each case frees an object with __del__ in a cycle with gc.collect().
import gc
import threading
import time

lock = threading.Lock()
log = []


class TakesLock:
    def __del__(self):
        with lock:
            log.append("lock taken in __del__")


def holder(collect):
    with lock:
        time.sleep(0.05)
        if collect:
            gc.collect()
        else:
            junk = []
            for i in range(20000):
                c = []
                c.append(c)
                junk.append(c)
            junk = None


for collect in (False, True):
    a = TakesLock()
    a.me = a
    a = None
    t = threading.Thread(target=holder, args=(collect,))
    t.start()
    time.sleep(0.01)
    gc.collect()
    t.join()
print(log)


class Joins:
    def __del__(self):
        out = []

        def work():
            x = []
            x.append(x)
            x = None
            out.append(gc.collect() >= 0)

        t = threading.Thread(target=work)
        t.start()
        t.join()
        log.append(("joined", out))


b = Joins()
b.me = b
b = None
gc.collect()
print(log[-1])


class Freezes:
    def __del__(self):
        gc.freeze()
        gc.unfreeze()
        gc.disable()
        gc.enable()
        log.append("freeze in __del__")


c = Freezes()
c.me = c
c = None
gc.collect()
print(log[-1])
