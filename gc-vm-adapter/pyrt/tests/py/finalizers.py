import gc

log = []

class D:
    def __init__(self, name):
        self.name = name

    def __del__(self):
        log.append(self.name)

x = D("refcount")
del x
print(log)

a = D("a")
b = D("b")
a.other = b
b.other = a
del a, b
n = gc.collect()
print(n, sorted(log))
gc.collect()
print(sorted(log))

saved = []

class Phoenix:
    def __del__(self):
        saved.append(self)
        print("resurrecting")

p = Phoenix()
p.me = p
del p
gc.collect()
print(len(saved))
saved.clear()
gc.collect()
print("after clear", len(saved))

class Sub(D):
    pass

s = Sub("sub")
del s
print(log[-1])
