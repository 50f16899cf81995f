# PEP 442 (CPython's test_finalization): a finalizer that resurrects its object, during a
# refcount cascade and during gc.collect(). The finalizer runs once; the resurrected object
# stays usable and is freed (without a second __del__) when dropped again.
import gc
import weakref

saved = []
log = []


class Lazarus:
    def __init__(self, name):
        self.name = name
        self.data = [name] * 3

    def __del__(self):
        log.append("del " + self.name)
        saved.append(self)


class Probe:
    pass


# 1. Plain refcount death.
x = Lazarus("plain")
x = None
print(log, [s.name for s in saved], saved[0].data)
gc.collect()
saved.clear()
print("dropped again:", log)

# 2. In the middle of a refcount cascade: a list of lists holding resurrecting objects.
log.clear()
t = []
for i in range(10):
    t = [t, Lazarus("c%d" % i)]
t = None
print(len(log), sorted(s.name for s in saved)[:3])
for s in saved:
    s.data.append(1)
print(sum(len(s.data) for s in saved))
saved.clear()
gc.collect()
print("after cascade drop:", len(log))

# 3. During gc.collect(): a cycle of resurrectors.
log.clear()
a = Lazarus("a")
b = Lazarus("b")
a.other = b
b.other = a
a = b = None
n = gc.collect()
print(sorted(log), sorted(s.name for s in saved))
# (the order in which a cycle's finalizers run is not specified)
print(saved[0].other.other is saved[0], sorted(s.other.data[0] for s in saved))
saved.clear()
gc.collect()
print("cycle dropped again:", sorted(log))

# 4. A resurrected object keeps its weakrefs? CPython clears weakrefs of a cycle before
# finalizers run only for unreachable weakrefs; a weakref to a resurrected refcount-death
# object stays live.
log.clear()
p = Lazarus("weak")
w = weakref.ref(p)
p = None
print("weakref alive after resurrection:", w() is saved[0])
saved.clear()
print("weakref dead after the drop:", w() is None, log)

# 5. Resurrecting another object (not self) from a cycle.
class Keeper:
    def __del__(self):
        saved.append(self.payload)


k = Keeper()
k.payload = Probe()
k.payload.back = k
k.payload.value = 42
k = None
gc.collect()
print("payload rescued:", saved[0].value, type(saved[0].back).__name__)
saved.clear()
gc.collect()

# 6. A resurrected object becomes garbage again in a new cycle: its __del__ does not run again.
log.clear()
r = Lazarus("twice")
r.me = r
r = None
gc.collect()
print(log)
saved[0].me = saved[0]
saved.clear()
gc.collect()
print(log)
print("garbage:", gc.garbage)
