# Finalizers that allocate heavily (CPython's test_gc: test_bug1055820c / test_trashcan ideas):
# each __del__ builds enough garbage to start collections, while a refcount cascade or a
# gc.collect() is in progress. The answers must not change and nothing may be freed twice.
import gc

gc.set_threshold(100)


class Hog:
    made = 0
    ran = 0

    def __init__(self, n):
        self.n = n
        self.payload = [n] * 10

    def __del__(self):
        Hog.ran += 1
        junk = []
        for k in range(300):
            c = {"k": k, "me": None}
            c["me"] = c
            junk.append([c, (c, k), str(k)])
        # The object is intact while its finalizer runs.
        assert self.payload == [self.n] * 10


# A cascade: a chain of lists holding hogs, dropped at once.
t = []
for i in range(50):
    t = [t, Hog(i)]
t = None
print("cascade:", Hog.ran)

# Cycles of hogs, found by gc.collect().
for i in range(20):
    a = Hog(i)
    b = Hog(i + 1)
    a.b = b
    b.a = a
a = b = None
gc.collect()
print("collected cycles:", Hog.ran)

# Hogs inside a deep cycle: the collector runs their finalizers, which start collections of
# their own (collections triggered during another collection's finalizer phase).
head = []
t = head
for i in range(200):
    t2 = [t, Hog(i)]
    t = t2
head.append(t)
head = t = t2 = None
gc.collect()
print("deep cycle:", Hog.ran)


# Finalizers that create new finalizable objects, which die at once (a finalizer inside a
# finalizer) and new cycles (found by the next collection).
class Spawner:
    spawned = 0

    def __init__(self, depth):
        self.depth = depth

    def __del__(self):
        if self.depth > 0:
            Spawner.spawned += 1
            child = Spawner(self.depth - 1)
            child.me = child if self.depth % 2 else None
            child = None


for i in range(10):
    s = Spawner(6)
    s = None
while gc.collect():
    pass
print("spawned:", Spawner.spawned)
print("garbage:", gc.garbage)
