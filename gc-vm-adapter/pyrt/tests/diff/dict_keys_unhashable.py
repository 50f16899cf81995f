# Unhashable keys raise TypeError with CPython's messages, for every dict operation.
def attempt(label, f):
    try:
        r = f()
        print(label, "->", r)
    except TypeError as e:
        print(label, "TypeError:", e)


class EqOnly:
    def __eq__(self, other):
        return True


class HashNone:
    __hash__ = None


class Parent:
    def __hash__(self):
        return 1


class ChildEq(Parent):
    def __eq__(self, other):
        return False


class ChildPlain(Parent):
    pass


class BadHash:
    def __hash__(self):
        return "seven"


class FloatHash:
    def __hash__(self):
        return 1.5


def setitem(d, k):
    d[k] = 1


d = {}
attempt("list key", lambda: {[1]: 2})
attempt("dict key", lambda: {{}: 2})
attempt("setitem list", lambda: setitem(d, []))
attempt("getitem list", lambda: d[[1, 2]])
attempt("in list", lambda: [] in d)
attempt("get list", lambda: d.get([]))
attempt("pop list", lambda: d.pop([], None))
attempt("pop list, empty dict", lambda: {}.pop([], "default"))
attempt("pop list, full dict", lambda: {1: 2}.pop([], "default"))
attempt("setdefault list", lambda: d.setdefault([], 1))
attempt("tuple with list", lambda: {(1, [2]): 3})
attempt("hash list", lambda: hash([]))
attempt("eq only", lambda: {EqOnly(): 1})
attempt("hash None", lambda: {HashNone(): 1})
attempt("child eq", lambda: {ChildEq(): 1})
attempt("child plain", lambda: len({ChildPlain(): 1}))
attempt("bad hash", lambda: {BadHash(): 1})
attempt("float hash", lambda: hash(FloatHash()))
attempt("in bad hash", lambda: BadHash() in d)
attempt("dict() list", lambda: dict([([1], 2)]))
attempt("comprehension", lambda: {k: 1 for k in [[1]]})
try:
    del d[[]]
except TypeError as e:
    print("del list TypeError:", e)
print(d)
