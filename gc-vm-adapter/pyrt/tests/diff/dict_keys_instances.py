# Instances as dict keys: identity hash by default, a class's own __hash__/__eq__, tuples
# containing instances, hashes that are not ints, huge __hash__ results.
class Plain:
    pass


a, b = Plain(), Plain()
d = {a: "a", b: "b"}
print(d[a], d[b], Plain() in d, len(d))
d[a] = "a2"
del d[b]
print(len(d), d[a], a in d, b in d)
print(hash(a) == hash(a), hash(a) == hash(b))


class Point:
    def __init__(self, x, y):
        self.x, self.y = x, y

    def __hash__(self):
        return hash((self.x, self.y))

    def __eq__(self, other):
        print("  eq", self.x, self.y, "vs", getattr(other, "x", other))
        return isinstance(other, Point) and (self.x, self.y) == (other.x, other.y)

    def __repr__(self):
        return "Point(%d, %d)" % (self.x, self.y)


p = Point(1, 2)
d = {p: "first"}
print("lookup an equal point")
print(d[Point(1, 2)])
print("replace through an equal point")
d[Point(1, 2)] = "second"
print(d, list(d)[0] is p)
print("identity first: no __eq__ call")
print(d[p])
print("missing")
print(Point(2, 1) in d)
print(d.get(Point(5, 5), "default"))


class Num:
    # Equal to the int it wraps, hashing like it.
    def __init__(self, v):
        self.v = v

    def __hash__(self):
        return hash(self.v)

    def __eq__(self, other):
        return self.v == other

    def __repr__(self):
        return "Num(%d)" % self.v


d = {1: "int one"}
print(d[Num(1)])
d[Num(1)] = "via Num"
print(d)
d = {Num(2): "num two"}
print(d[2], 2 in d, d.get(2.0))


class Pos:
    def __init__(self, tag):
        self.tag = tag

    def __hash__(self):
        return 7

    def __repr__(self):
        return self.tag


x, y = Pos("x"), Pos("y")
d = {x: 1, y: 2}
print(d, d[x], d[y], Pos("z") in d)
t1 = (x, 1)
d = {t1: "t1", (y, 1): "t2"}
print(d[(x, 1)], d[(y, 1)], ((x, 2) in d), d[t1])
print({(Point(0, 0), "a"): 1}[(Point(0, 0), "a")])


class Huge:
    def __init__(self, h):
        self.h = h

    def __hash__(self):
        return self.h


for h in [2 ** 62, 2 ** 63, -(2 ** 63), 2 ** 100, -1, -2, True, 0]:
    print(h, hash(Huge(h)))
d = {Huge(2 ** 100): "big"}
print(len(d))


class Sub(Point):
    pass


print({Sub(3, 4): 1}[Sub(3, 4)])
