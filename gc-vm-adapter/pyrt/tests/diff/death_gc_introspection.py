# The gc module's introspection on hostile objects (CPython's test_gc): is_tracked,
# is_finalized, gc.garbage staying empty (PEP 442: cycles with finalizers are collected).
import gc
import weakref


class A:
    pass


class F:
    def __del__(self):
        pass


print("atoms:", [gc.is_tracked(v) for v in (None, True, 1, 1.5, "s", 10**30)])
print("containers:", gc.is_tracked([]), gc.is_tracked(A()), gc.is_tracked(A))
print("functions:", gc.is_tracked(lambda: 0))
a = A()
print("weakref:", gc.is_tracked(weakref.ref(a)), gc.is_tracked(weakref.ref(a, print)))

f = F()
print("is_finalized before:", gc.is_finalized(f))
saved = []


class R:
    def __del__(self):
        saved.append(self)


r = R()
r.me = r
print("is_finalized live cycle:", gc.is_finalized(r))
r = None
gc.collect()
print("is_finalized resurrected:", gc.is_finalized(saved[0]))
print("atom is_finalized:", gc.is_finalized(3))
for i in range(100):
    x = F()
    x.me = x
x = None
gc.collect()
print("garbage:", gc.garbage, gc.collect())
for call in (lambda: gc.is_tracked(), lambda: gc.is_finalized(1, 2)):
    try:
        call()
    except TypeError as e:
        print("TypeError:", e)
