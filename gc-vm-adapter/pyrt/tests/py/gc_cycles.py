import gc

class Node:
    pass

gc.collect()
a = Node()
b = Node()
a.x = b
b.x = a
del a, b
# Instances keep attributes inline: the cycle is 2 objects.
print("pair", gc.collect())

ring = [Node() for _ in range(10)]
for i in range(10):
    ring[i].next = ring[(i + 1) % 10]
del ring
print("ring", gc.collect())

l = []
l.append(l)
del l
print("self list", gc.collect())

d = {}
d["me"] = d
del d
print("self dict", gc.collect())

def make_closure_cycle():
    def f():
        return f
    return f
g = make_closure_cycle()
del g
print("closure cycle", gc.collect() > 0)

keep = Node()
keep.self = keep
print("live cycle", gc.collect())
print(gc.isenabled())
gc.disable()
print(gc.isenabled())
gc.enable()
print(gc.isenabled(), len(gc.get_count()), gc.get_stats()[0]["collections"] > 0)
gc.freeze()
print(gc.get_freeze_count() > 0)
gc.unfreeze()
print(gc.get_freeze_count())
