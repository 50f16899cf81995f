import gc
import weakref

class Obj:
    pass

events = []

def cb(w):
    events.append("callback")

o = Obj()
r = weakref.ref(o, cb)
print(r() is o)
del o
print(r() is None, events)

a = Obj()
b = Obj()
a.b = b
b.a = a
wa = weakref.ref(a, lambda w: events.append("cycle callback"))
del a, b
print(wa() is not None)
gc.collect()
print(wa() is None, events)
plain = Obj()
w2 = weakref.ref(plain)
print(w2() is plain)
