# A 100000-deep nested tuple: CPython 3.11 hashes it (tuplehash has no recursion check), while
# comparing two such tuples, or two such lists, is a RecursionError.
t = ()
u = ()
for i in range(100000):
    t = (t,)
    u = (u,)
print(hash(t))
print(hash(t) == hash(u))
for name, f in [("eq", lambda: t == u), ("lt", lambda: t < u), ("ne", lambda: t != u)]:
    try:
        print(name, f())
    except RecursionError as e:
        print(name, "RecursionError", e)
a = []
b = []
for i in range(100000):
    a = [a]
    b = [b]
for name, f in [("list eq", lambda: a == b), ("list lt", lambda: a < b)]:
    try:
        print(name, f())
    except RecursionError as e:
        print(name, "RecursionError", e)
try:
    hash((1, [a]))
except TypeError as e:
    print("TypeError", e)
# Shallow tuples of numbers and nested tuples keep CPython's values.
print(hash(((1, 2), (3, (4, 5)))))
print(hash((((((),),),),)))
print(hash((1.5, -1, 10**30, (True, None is None))))
w = (0,)
for i in range(1000):
    w = (i, w, -i)
print(hash(w))
