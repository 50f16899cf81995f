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
