# hash(): CPython's values for numbers and tuples of them; __hash__ / __eq__ on classes;
# big ints as dict keys (equal to small ints and integral floats when their values are).
for v in [0, 1, -1, -2, 2**61 - 2, 2**61 - 1, 2**61, 2**63, -(2**63), 2**64 + 5, 10**30,
          -(10**30), 2**200, True, False, 1.5, -1.5, 0.1, 1e300, -1e-300, 5e-324,
          float('inf'), -float('inf'), 2.0**70, (1, 2), (), (1, (2, 3.5)), (2**63, -1)]:
    print(repr(v), hash(v))
print(hash(2**63) == 4, hash(-1) == hash(-2), hash(1.0) == hash(1) == hash(True))

class H:
    def __hash__(self):
        return 42
class HB:
    def __hash__(self):
        return 2**64 + 3
class E:
    def __eq__(self, other):
        return True
class Sub(H):
    pass
class SubE(H):
    def __eq__(self, other):
        return False
class NoHash:
    __hash__ = None
class BadHash:
    def __hash__(self):
        return "x"
class Plain:
    pass
print(hash(H()), hash(HB()), hash(Sub()))
p = Plain()
print(hash(p) == hash(p))
for cls in [E, SubE, NoHash, BadHash]:
    try:
        print(hash(cls()))
    except TypeError as ex:
        print("TypeError", ex)
for v in [[1], {}, (1, [2])]:
    try:
        print(hash(v))
    except TypeError as ex:
        print("TypeError", ex)

d = {10**30: "big", 2**63: "b63", 5: "five", -(2**70): "neg"}
print(d[10**30], d[2**63], d[-(2**70)], (2**63) in d, 2**64 in d)
d[2**64 // 2**1] = "again"
print(len(d), d[2**63])
d[float(2**63)] = "float"
print(len(d), d[2**63])
d[2**65 // 2**60] = "small"
print(d[32] if 32 in d else None, len(d))
d[(10**20, 1)] = "tuple"
print(d[(10**20, 1.0)], list(d.keys()))
del d[10**30]
print(d)
