# A weakref with a callback is tracked by the collector (its callback is a traced edge).
import gc
import weakref


class X:
    pass


def cb(r):
    pass


x = X()
w = weakref.ref(x, cb)
print(gc.is_tracked(w))
print(gc.is_tracked(weakref.ref(x, lambda r: None)))
del x
print(w() is None)
