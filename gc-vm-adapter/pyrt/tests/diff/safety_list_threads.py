# List operations that read then write are atomic w.r.t. other threads.
import threading
L = []
stop = [False]
def app(base):
    for i in range(20000):
        L.append(base + i)
def sorter():
    while not stop[0]:
        L.sort()
ts = [threading.Thread(target=app, args=(k * 100000,)) for k in range(2)]
s = threading.Thread(target=sorter)
s.start()
for t in ts:
    t.start()
for t in ts:
    t.join()
stop[0] = True
s.join()
print(len(L), len({x: 1 for x in L}))
L.sort()
print(L == sorted([i for i in range(20000)] + [100000 + i for i in range(20000)]))
L = list(range(4000))
def remover(vals):
    for v in vals:
        L.remove(v)
rs = [threading.Thread(target=remover, args=(range(k, 4000, 4),)) for k in range(4)]
for t in rs:
    t.start()
for t in rs:
    t.join()
print(len(L))
L = list(range(8000))
def popper(out):
    for i in range(1000):
        out.append(L.pop(0))
outs = [[] for k in range(4)]
ps = [threading.Thread(target=popper, args=(o,)) for o in outs]
for t in ps:
    t.start()
for t in ps:
    t.join()
got = sorted(outs[0] + outs[1] + outs[2] + outs[3])
print(len(L), got == list(range(4000)), L[0])
