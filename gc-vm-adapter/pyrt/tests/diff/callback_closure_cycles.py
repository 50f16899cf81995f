# Cycles through a __del__'s closure and through a weakref callback's closure are collected;
# the __del__ runs once and the callback runs when its target dies.
import gc
import weakref

log = []


class Node:
    def __del__(self):
        log.append("del " + self.name)


def node_in_closure_cycle():
    n = Node()
    n.name = "n"

    def get():
        return n

    n.get = get  # n -> get -> cell -> n
    return weakref.ref(n)


def class_with_del_closure():
    holder = []

    class D:
        def __del__(self):
            log.append("del D, holder has " + str(len(holder)))

    holder.append(D)  # D -> __del__ -> cell -> holder -> D
    d = D()
    del d
    return weakref.ref(D)


def callback_cycle():
    class Owner:
        pass

    class Target:
        pass

    o = Owner()
    t = Target()
    o.t = t

    def cb(r):
        log.append("callback, owner has t: " + str(o.t is t))

    o.w = weakref.ref(t, cb)  # o -> w -> cb -> cell -> o
    return weakref.ref(o)


r1 = node_in_closure_cycle()
r2 = class_with_del_closure()
r3 = callback_cycle()
gc.collect()
gc.collect()
print(r1() is None, r2() is None, r3() is None)
print(log)

# A callback runs when its target dies by reference count.
class T:
    pass


def report(r):
    print("target gone:", r() is None)


t = T()
w = weakref.ref(t, report)
del t
print("done")
