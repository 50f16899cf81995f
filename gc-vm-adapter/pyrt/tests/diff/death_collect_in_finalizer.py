# Memory-safety issue, items 0 and 1 (CPython's test_trashcan in miniature): finalizers that
# call gc.collect() while a refcount-death cascade is in progress.
import gc


class Ouch:
    n = 0

    def __del__(self):
        Ouch.n += 1
        if Ouch.n % 17 == 0:
            gc.collect()


t = []
for i in range(40):
    t = [t, Ouch()]
t = None
print("nested lists:", Ouch.n)


class Collecting:
    n = 0

    def __del__(self):
        Collecting.n += 1
        gc.collect()


t = [Collecting(), Collecting()]
t = None
print("list of two:", Collecting.n)

a = Collecting()
a.b = Collecting()
a = None
print("attribute chain:", Collecting.n)

for i in range(20):
    t = [Collecting(), [1], Collecting(), [2]]
    t = None
print("repeated lists:", Collecting.n)


class Busy:
    n = 0

    def __del__(self):
        Busy.n += 1
        junk = []
        for k in range(2000):
            c = []
            c.append(c)
            junk.append(c)


t = []
for i in range(30):
    t = [t, Busy()]
t = None
gc.collect()
print("allocating finalizers:", Busy.n)
