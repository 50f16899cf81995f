# An __eq__ that mutates the dict during a lookup: no crash, no corruption; the lookup is
# redone as CPython redoes it, and the dict stays consistent.
class Key:
    def __init__(self, name, h, d=None, action=None):
        self.name, self.h, self.d, self.action = name, h, d, action

    def __hash__(self):
        return self.h

    def __eq__(self, other):
        act, self.action = self.action, None
        if act is not None:
            act(self.d)
        return isinstance(other, Key) and self.name == other.name

    def __repr__(self):
        return self.name


d = {}
a, b = Key("a", 1), Key("b", 1)
d[a] = 1
d[b] = 2


def add_more(dd):
    for i in range(20):
        dd[i] = i


probe = Key("b", 1, d, add_more)
print(d[probe], len(d))


def remove_b(dd):
    del dd[b]


probe = Key("b", 1, d, remove_b)
try:
    print(d[probe])
except KeyError as e:
    print("KeyError", e)
print(len(d), a in d, b in d)


def clear(dd):
    dd.clear()


d2 = {Key("x", 5): "x", Key("y", 5): "y"}
probe = Key("y", 5, d2, clear)
print(probe in d2, len(d2))

d3 = {Key("p", 3): 1}
probe = Key("q", 3, d3, lambda dd: dd.update({Key("q", 3): "added"}))
d3[probe] = "set"
print(sorted((k.name, v) for k, v in d3.items()))


def pop_all(dd):
    for k in list(dd):
        dd.pop(k)


d4 = {Key("m", 9): 1, Key("n", 9): 2}
probe = Key("n", 9, d4, pop_all)
print(d4.setdefault(probe, "dflt"), d4)
for i in range(100):
    d4[i] = i
print(len(d4), d4[99], sum(d4[i] for i in range(100)))


# Every comparison adds a key: the lookup still ends (candidates compared are not compared
# again unless the table is rebuilt).
class Adder:
    calls = 0

    def __init__(self, d):
        self.d = d

    def __hash__(self):
        return 11

    def __eq__(self, other):
        Adder.calls += 1
        self.d[1000 + len(self.d)] = 1
        return False


d5 = {}
d5[Adder(d5)] = "first"
d5[Adder(d5)] = "second"
print(len(d5), Adder.calls)
print(Adder(d5) in d5, len(d5), Adder.calls)
