# Memory-safety issue, item 1 with threads: nested lists of finalizable objects dropped by
# refcount on four threads while finalizers call gc.collect() now and then.
import gc
import threading

lock = threading.Lock()
count = [0]


class Ouch:
    def __del__(self):
        with lock:
            count[0] += 1
            k = count[0]
        if k % 17 == 0:
            gc.collect()


def work():
    for r in range(20):
        t = []
        for i in range(40):
            t = [t, Ouch()]
        t = None


ts = [threading.Thread(target=work) for _ in range(4)]
for th in ts:
    th.start()
for th in ts:
    th.join()
gc.collect()
print("finalized:", count[0])
