# Every pair of a grid of numbers (ints, bools, floats, big ints, values around 2**53 and
# 2**61 - 1, -0.0, inf, nan): ==, equal hashes, and whether a dict holding one finds the
# other must agree with CPython (and equal numbers must hash alike).
vals = [0, -0.0, 0.0, False, True, 1, 1.0, -1, -1.0, -2, 2.5, 2 ** 53, 2 ** 53 + 1,
        float(2 ** 53), 2 ** 61 - 1, 2 ** 61, float(2 ** 61), 2 ** 64, float(2 ** 64),
        -(2 ** 64), 10 ** 30, 1e30, float("inf"), float("-inf"), 314159, float("nan"),
        0.1, 1 / 3]
bad = 0
rows = []
for i, a in enumerate(vals):
    row = []
    for b in vals:
        eq = a == b
        if eq and hash(a) != hash(b):
            bad += 1
        found = {a: 1}.get(b) is not None
        n = len({a: 1, b: 2})
        row.append("%d%d%d" % (eq, found, n))
    rows.append(" ".join(row))
print(bad)
for r in rows:
    print(r)
print(hash(2 ** 61 - 1), hash(2 ** 61), hash(float(2 ** 61)), hash(-(2 ** 64)), hash(10 ** 30))
print(hash(1e30), hash(2.5), hash(0.1), hash(1 / 3), hash(float("inf")), hash(-1), hash(-2))
