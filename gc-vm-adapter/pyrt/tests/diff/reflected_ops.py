# CPython's operator protocol: NotImplemented, reflected methods, subclass priority.
class E:
    def __eq__(self, other):
        return True
    __hash__ = None

e = E()
print(1 == e, e == 1, 1 != e, "a" == e, [1] == e)
print(e in [1, 2], [1, 2, 3].count(e), [5, 6].index(e))
print(1 in [e], [e, e].count(3))
lst = [1, 2, 3]
lst.remove(e)
print(lst, (4, 5).index(e), (4, 5).count(e))

class R:
    def __init__(self, v):
        self.v = v
    def __radd__(self, o):
        return ("radd", o, self.v)
    def __rsub__(self, o):
        return ("rsub", o, self.v)
    def __rmul__(self, o):
        return ("rmul", o, self.v)
    def __rtruediv__(self, o):
        return ("rtruediv", o)
    def __rfloordiv__(self, o):
        return ("rfloordiv", o)
    def __rmod__(self, o):
        return ("rmod", o)
    def __rpow__(self, o):
        return ("rpow", o)
    def __rlshift__(self, o):
        return ("rlshift", o)
    def __rand__(self, o):
        return ("rand", o)
    def __ror__(self, o):
        return ("ror", o)
    def __rxor__(self, o):
        return ("rxor", o)
    def __gt__(self, o):
        return ("gt", o)
    def __ge__(self, o):
        return "ge"
    def __lt__(self, o):
        return "lt"
    def __le__(self, o):
        return "le"

r = R(7)
print(1 + r, 1 - r, 2 * r, [1] * r, 3 / r, 3 // r, 3 % r, 2 ** r, 1 << r, 1 & r, 1 | r, 1 ^ r)
print("x" + r, 1.5 + r)
print(1 < r, 1 <= r, 1 > r, 1 >= r)
try:
    r + 1
except TypeError as ex:
    print("TypeError", ex)
try:
    r + r
except TypeError as ex:
    print("TypeError", ex)

class N:
    def __add__(self, o):
        return NotImplemented
    def __radd__(self, o):
        return "N.radd"
    def __eq__(self, o):
        return NotImplemented
    def __lt__(self, o):
        return NotImplemented
class M:
    def __radd__(self, o):
        return "M.radd"
    def __gt__(self, o):
        return "M.gt"
    def __eq__(self, o):
        return "M.eq"
print(N() + M(), N() < M(), N() == M())
n = N()
print(n == n, n != n, n == N(), n != N())
try:
    N() + N()
except TypeError as ex:
    print("TypeError", ex)
try:
    N() < 1
except TypeError as ex:
    print("TypeError", ex)
print(repr(NotImplemented), NotImplemented is NotImplemented)

class Base:
    def __add__(self, o):
        return "Base.add"
    def __radd__(self, o):
        return "Base.radd"
    def __lt__(self, o):
        return "Base.lt"
    def __gt__(self, o):
        return "Base.gt"
class Derived(Base):
    def __radd__(self, o):
        return "Derived.radd"
    def __gt__(self, o):
        return "Derived.gt"
class Plain(Base):
    pass
print(Base() + Derived(), Base() + Plain(), Derived() + Base())
print(Base() < Derived(), Base() < Plain(), Derived() < Base())

class Ne:
    def __eq__(self, o):
        return isinstance(o, Ne)
    __hash__ = None
print(Ne() != Ne(), Ne() != 1, 1 != Ne())

class V:
    def __init__(self, v):
        self.v = v
    def __lt__(self, o):
        return self.v < o.v
    def __repr__(self):
        return "V(%d)" % self.v
print(sorted([V(3), V(1), V(2)]), max([V(3), V(5), V(2)]), V(1) > V(0))
try:
    V(1) <= V(2)
except TypeError as ex:
    print("TypeError", ex)

class I:
    def __init__(self):
        self.items = []
    def __iadd__(self, o):
        self.items.append(o)
        return self
    def __add__(self, o):
        return "plain add"
i = I()
j = i
i += 5
print(i is j, i.items)
class OnlyAdd:
    def __add__(self, o):
        return "plain add"
k = OnlyAdd()
k += 1
print(k)
