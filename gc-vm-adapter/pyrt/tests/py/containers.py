l = [3, 1, 2]
l.append(5)
l.extend([9, 8])
l.insert(0, 7)
print(l, l.pop(), l.pop(0), l.index(2), len(l), 5 in l)
l.sort()
print(l, l[1:3], l[-2:], l[::-1], sorted(l, reverse=True))
l[1:3] = [10, 20, 30]
del l[0]
print(l)
l.clear()
print(l, [] == l, [1, [2, 3]] == [1, [2, 3]])
t = (1, 2, 3)
a, b, c = t
print(t, t[1], t[1:], a + b + c, (1,) + (2,), t.count(2), t.index(3))
d = {"one": 1, "two": 2}
d["three"] = 3
print(d, d.get("four"), d.get("four", 4), list(d.keys()), list(d.values()))
print(list(d.items()), d.pop("one"), d.setdefault("x", 0), d)
d.update({"y": 1}, z=2)
del d["x"]
print(d, len(d), "y" in d, {k: v * 2 for k, v in d.items()})
for k in d:
    print(k, end=" ")
print()
print(list(range(5)), list(range(2, 10, 3)), list(range(5, 0, -2)), range(10)[3], len(range(0, 10, 3)))
print(list(enumerate("ab")), list(zip([1, 2, 3], "xyz")), any([0, 0, 1]), all([1, 0]))
print([x * y for x in range(3) for y in range(3) if x != y], tuple(x for x in "hi"))
m = [[0] * 3 for _ in range(2)]
m[1][2] = 5
print(m, list(reversed([1, 2, 3])), sum(x * x for x in range(4)))
first, (second, third) = 1, (2, 3)
print(first, second, third, {(1, 2): "tuple key"}[(1, 2)], dict([("a", 1)]), dict(b=2))
