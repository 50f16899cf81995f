# Sorting with NaNs never panics and gives CPython's order (only `<` is asked).
nan = float('nan')
print(sorted([3.0, nan, 1.0, 2.0]))
print(sorted([nan, 3.0, 1.0, nan, 2.0, 0.5]))
print(sorted([nan, 3.0, 1.0, nan, 2.0, 0.5], reverse=True))
l = [5, nan, 4, 3, nan, 2, 1, 0.5]
l.sort()
print(l)
big = [nan if i % 17 == 0 else float((i * 7919) % 1000) for i in range(3000)]
print(len(sorted(big)), len(big))
x = [(i * 7919) % 1000 for i in range(2000)]
print(sorted(x)[:5], sorted(x)[-5:], sorted(x, reverse=True)[:3])
pairs = [(i % 3, i) for i in range(10)]
print(sorted(pairs, key=lambda p: p[0]), sorted(pairs, key=lambda p: p[0], reverse=True))
# Larger lists: runs, galloping merges and the merge policy are CPython's too.
def digest(s):
    total = 0
    for i, v in enumerate(s):
        total = (total * 31 + (7 if v != v else int(v) + 11) * (i + 1)) % 1000000007
    return total
for n in (70, 200, 1000, 5000, 20000):
    for mod in (13, 5, 101):
        big = [nan if (i * 31) % mod == 0 else float((i * 7919) % 997) for i in range(n)]
        print(n, mod, digest(sorted(big)), digest(sorted(big, reverse=True)))
runs = [float(i % 50) if i % 7 else nan for i in range(3000)]
print(digest(sorted(runs)), digest(sorted(runs, key=lambda v: -v)))
print(sorted(big)[:30])
