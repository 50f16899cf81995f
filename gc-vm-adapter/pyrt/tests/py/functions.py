def f(a, b=10, *args, c=5, **kw):
    return (a, b, args, c, sorted(kw.items()))
print(f(1))
print(f(1, 2, 3, 4, c=6, z=1))
print(f(*[1, 2], **{"c": 0}))

def counter():
    count = 0
    def inc(step=1):
        nonlocal count
        count += step
        return count
    return inc
c1 = counter()
c1(); c1(5)
print(c1(), counter()())

adders = [lambda x, i=i: x + i for i in range(3)]
print([a(10) for a in adders])

def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)
print(fib(20))

total = 0
def add(n):
    global total
    total += n
for i in range(5):
    add(i)
print(total)

def outer():
    x = "outer"
    def middle():
        def inner():
            return x
        return inner()
    return middle()
print(outer())

def kwonly(*, key):
    return key
print(kwonly(key="k"))
try:
    f()
except TypeError as e:
    print("TypeError:", e)
print(sorted([(2, "b"), (1, "z"), (2, "a")]), max([1, 5, 3], key=lambda v: -v))
