# Dict-heavy loop: str keys, int keys, globals, kwargs.
def kw(a, b=2, **rest):
    return a + b + len(rest)

counter = 0
d = {}
for i in range(200000):
    d["k" + str(i % 1000)] = i
    d[i % 5000] = i
    counter = counter + d["k" + str(i % 7)] + d[i % 3]
    counter += kw(1, b=3, c=4)
total = 0
for r in range(20):
    for k in d:
        total += d[k]
print(counter, total, len(d))
