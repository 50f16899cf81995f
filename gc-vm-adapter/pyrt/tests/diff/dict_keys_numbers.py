# Dict keys of the numeric types: equal numbers are one key (the first key object is kept,
# the value replaced), float keys, -0.0, big ints, NaN keys equal only by identity.
d = {1.5: "x", 2.25: "y"}
print(d, d[1.5], 2.25 in d, 3.5 in d)
d = {1: "a", True: "b"}
print(d, len(d))
d = {True: "a", 1: "b", 1.0: "c"}
print(d, d[1], d[1.0], d[True])
d = {1.0: "f"}
d[1] = "i"
d[True] = "t"
print(d, list(d.keys()), type(list(d)[0]).__name__)
d = {0: "zero"}
print(d[-0.0], d[0.0], d[False], -0.0 in d)
d = {-0.0: "negzero"}
d[0] = "int zero"
print(d)
big = 2 ** 80
d = {big: "big", float(2 ** 60): "f60"}
print(d[2 ** 80], d[float(2 ** 80)], d[2 ** 60], d.get(2 ** 60 + 1))
print({2 ** 53 + 1: 1}.get(float(2 ** 53)), {float(2 ** 53): 1}.get(2 ** 53))
d = {10 ** 30: 1}
d[10 ** 30] += 1
print(d)
nan = float("nan")
d = {nan: 1}
print(d[nan], nan in d, float("nan") in d, len(d))
d[float("nan")] = 2
d[nan] = 3
print(len(d), sorted(d.values()))
t = (nan, 1)
d = {t: "t"}
print(t in d, (nan, 1) in d)
d = {1: 1, 2.0: 2, 3: 3}
del d[2]
print(d)
print(d.pop(3.0), d)
print(d.setdefault(1.0, "new"), d.setdefault(4.5, "new"), d)
e = {}
e.update({1.0: "one"})
e.update([(1, "uno"), (2, "dos")])
print(e, e == {1: "uno", 2.0: "dos"}, e == {1: "uno", 2: "x"})
print(dict([(1, "a"), (1.0, "b"), (True, "c")]))
print({k: k * 2 for k in [1, 1.0, 2, 2.5]})
print(hash(1.0) == hash(1), hash(-0.0), hash(True), hash(2.5) == hash(2.5))
