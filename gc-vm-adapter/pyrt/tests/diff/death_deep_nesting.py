# Memory-safety issue, item 2: freeing deeply nested structures by reference count and by the
# collector must not grow the stack (CPython's trashcan).
import gc

t = []
for i in range(10**6):
    t = [t]
del t
print("nested lists freed")

t = ()
for i in range(10**6):
    t = (t,)
del t
print("nested tuples freed")

d = {}
for i in range(10**6):
    d = {"d": d}
del d
print("nested dicts freed")


class Node:
    pass


n = None
for i in range(10**6):
    m = Node()
    m.next = n
    n = m
m = None
n = None
print("instance chain freed")

t = []
head = t
for i in range(10**6):
    t2 = [t]
    t = t2
head.append(t)
del t, t2, head
print("deep cycle collected:", gc.collect() >= 10**6)
