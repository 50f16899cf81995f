# Finalizers and weakref callbacks that raise (CPython's test_finalization / test_weakref):
# regen: stderr-lines
# the exception is reported on stderr as "Exception ignored in: <function ...>" with its
# traceback, and the program goes on; nothing propagates to the code that dropped the object.
import gc
import weakref


class Boom:
    def __init__(self, n):
        self.n = n

    def __del__(self):
        raise ValueError("boom %d" % self.n)


def drop_one():
    b = Boom(1)
    b = None
    return "returned normally"


print(drop_one())

# In a cascade: every finalizer raises, every one runs.
t = []
for i in range(5):
    t = [t, Boom(10 + i)]
t = None
print("cascade done")

# In a collected cycle.
a = Boom(20)
a.me = a
a = None
print("collected", gc.collect() >= 1)


# A weakref callback that raises.
class Target:
    pass


def bad_callback(r):
    raise KeyError("cb")


x = Target()
w = weakref.ref(x, bad_callback)
x = None
print("weakref dead:", w() is None)

# The same in a cycle (the weakref outlives the cycle, so its callback runs).
y = Target()
y.me = y
w2 = weakref.ref(y, bad_callback)
y = None
gc.collect()
print("weakref dead after collect:", w2() is None)

# An exception being handled while a finalizer raises is left alone.
try:
    try:
        raise RuntimeError("outer")
    finally:
        z = Boom(30)
        z = None
except RuntimeError as e:
    print("still", e)
print("end")
