import gc
import threading
import time

shared = []
table = {}
lock = threading.Lock()
counter = [0]

class Node:
    pass

def work(tid, n):
    for i in range(n):
        a = Node()
        b = Node()
        a.b = b
        b.a = a
        shared.append(i)
        table[(tid, i % 50)] = a
        with lock:
            counter[0] += 1
        if i % 100 == 0:
            gc.collect()

threads = [threading.Thread(target=work, args=(t, 500)) for t in range(4)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print(len(shared), len(table), counter[0])
print(sum(shared) == 4 * sum(range(500)))
lock.acquire()
print(lock.acquire(False))
lock.release()
time.sleep(0.01)
t0 = time.perf_counter()
print(time.perf_counter() >= t0)

results = []
def locked_append(x):
    with lock:
        results.append(x)
ts = [threading.Thread(target=locked_append, args=(i,)) for i in range(8)]
for t in ts:
    t.start()
for t in ts:
    t.join()
print(sorted(results))
table.clear()
print(gc.collect() >= 0)
