# 1000 objects, each holding a weakref whose callback refers back to the object (through a
# default argument): a -> a.w -> callback -> a. Deleted, then collected: all freed, and no
# callback runs (the target is still alive).
import gc
import weakref


class Target:
    pass


class A:
    pass


target = Target()
calls = []
probes = []
for i in range(1000):
    a = A()
    a.w = weakref.ref(target, lambda r, a=a: calls.append(1))
    probes.append(weakref.ref(a))
del a
gc.collect()
dead = 0
for p in probes:
    if p() is None:
        dead += 1
print("freed", dead, "of", len(probes))
print("callbacks", len(calls))
print("target alive", target is not None)
