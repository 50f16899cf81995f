# Weakref callbacks as hostile code (CPython's test_weakref ideas): callbacks that call
# gc.collect(), keep other objects alive, allocate, or raise; weakrefs that are garbage in the
# same cycle as their referent never call back; cycles through a callback are collected.
# regen: stderr-lines
import gc
import weakref

log = []
kept = []


class T:
    def __init__(self, name):
        self.name = name


# 1. A callback that collects, during a refcount death and during a collection.
def collecting(r):
    log.append("collecting")
    gc.collect()


x = T("x")
w = weakref.ref(x, collecting)
x = None
print(log, w() is None)

y = T("y")
y.me = y
w2 = weakref.ref(y, collecting)
y = None
gc.collect()
print(log, w2() is None)

# 2. A callback that stores other objects (the referent itself is gone: r() is None).
def keeper(r):
    kept.append((r, r()))


z = T("z")
w3 = weakref.ref(z, keeper)
z = None
print("kept weakref is w3:", kept[0][0] is w3, "referent:", kept[0][1])
kept.clear()


# 3. A callback that allocates cycles and finalizable objects.
class Fin:
    n = 0

    def __del__(self):
        Fin.n += 1


def allocating(r):
    for i in range(500):
        a = [Fin()]
        a.append(a)
    log.append("allocated")


targets = [T(i) for i in range(10)]
refs = [weakref.ref(t, allocating) for t in targets]
targets = None
gc.collect()
print(log.count("allocated"), "finalized:", Fin.n)

# 4. A callback that raises: reported, the next callbacks still run.
def raising(r):
    raise ValueError("callback failed")


a = T("a")
wa = weakref.ref(a, raising)
wb = weakref.ref(a, lambda r: log.append("second"))
a = None
print(log[-1])

# 5. c is in no cycle: it dies by refcount and its weakref (still held by its dict) calls
# back. A weakref that is garbage in the same cycle as its referent (e.w, with d and e) does
# not: CPython's handle_weakrefs rule, the weakref and its callback are part of the trash.
fired = []
c = T("c")
c.w = weakref.ref(c, lambda r: fired.append("self"))
c = None
gc.collect()
d = T("d")
e = T("e")
d.e = e
e.d = d
e.w = weakref.ref(d, lambda r: fired.append("peer"))
d = e = None
gc.collect()
print("fired for garbage weakrefs:", fired)

# 6. A weakref outside the cycle does call back, once.
f = T("f")
f.me = f
wf = weakref.ref(f, lambda r: fired.append("outside"))
f = None
gc.collect()
print("fired:", fired)


# 7. Callback cycles: the callback closes over the weakref's owner
# (a.w = weakref.ref(target, lambda r, a=a: None)); owner, weakref and callback are one cycle.
class Owner:
    n = 0

    def __del__(self):
        Owner.n += 1


target = T("target")
for i in range(100):
    o = Owner()
    o.w = weakref.ref(target, lambda r, o=o: fired.append("owner"))
o = None
gc.collect()
print("owners collected:", Owner.n)
target = None
print("callbacks of collected owners:", fired.count("owner"))

# 8. The referent dies while its callback's owner is also dying in the same collection.
g = T("g")
h = Owner()
h.g = g
g.h = h
h.w = weakref.ref(g, lambda r: fired.append("g"))
g = h = None
gc.collect()
print("fired:", fired.count("g"), "owners:", Owner.n)
print("garbage:", gc.garbage)
