# Globals and builtins lookups, small-int and str dict keys.
x = 0
def f(n):
    global x
    s = 0
    for i in range(n):
        x = x + 1
        s = s + len("ab") + abs(-i)
    return s
print(f(300000), x)
d = {}
names = ["alpha", "beta", "gamma", "delta", "eps"]
for i in range(300000):
    k = names[i % 5]
    d[k] = d.get(k, 0) + i
    d[i % 100] = i
print(len(d), d["alpha"], d[5])
