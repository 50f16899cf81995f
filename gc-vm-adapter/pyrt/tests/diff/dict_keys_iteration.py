# Iterating a dict whose keys change: CPython's dictiter walks the live dict by position, so
# a loop that removes one key and adds another (same size) sees "keys changed", a size
# change is "changed size" (and stays reported), and keys of any type are yielded as stored.
def attempt(label, d, body):
    seen = []
    try:
        for k in d:
            seen.append(k)
            body(d, k)
        print(label, "finished", seen, d)
    except RuntimeError as ex:
        print(label, "RuntimeError:", ex, seen, d)


def swap(d, k):
    del d[k]
    d[k + 10] = "new"


def swap_once(d, k):
    if k == 1:
        del d[3]
        d[4] = "four"


def replace_same(d, k):
    del d[k]
    d[k] = "again"


attempt("swap", {1: "a", 2: "b", 3: "c"}, swap)
attempt("swap once", {1: "a", 2: "b", 3: "c"}, swap_once)
attempt("replace same", {1: "a", 2: "b"}, replace_same)
attempt("float keys", {1.5: "x", 2.5: "y"}, lambda d, k: None)


class K:
    def __init__(self, n):
        self.n = n

    def __repr__(self):
        return "K(%d)" % self.n


ks = [K(i) for i in range(3)]
d = {k: k.n for k in ks}
print([k is ks[i] for i, k in enumerate(d)])
it = iter({1: 1, 2: 2})
print(next(it))
d = {1: 1}
it = iter(d)
d[2] = 2
for i in range(2):
    try:
        next(it)
    except RuntimeError as ex:
        print("next", ex)
del d[2]
try:
    print("back to size", next(it))
except RuntimeError as ex:
    print("next", ex)
except StopIteration:
    print("stop")
d = {i: i for i in range(6)}
it = iter(d)
print(next(it), next(it))
for i in range(6):
    del d[i]
for i in range(6):
    d[i + 100] = i
try:
    print(list(it))
except RuntimeError as ex:
    print("after rebuild", ex)
