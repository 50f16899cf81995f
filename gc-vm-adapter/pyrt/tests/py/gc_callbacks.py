import gc

phases = []

def cb(phase, info):
    phases.append((phase, sorted(info.keys()), info["generation"]))

gc.callbacks.append(cb)
class N:
    pass
a = N()
a.a = a
del a
gc.collect()
gc.callbacks.remove(cb)
print(phases[0][0], phases[-1][0], phases[0][1])
gc.collect()
print(len(phases))

stats = {}
def cb2(phase, info):
    if phase == "stop":
        stats["collected"] = info["collected"]
gc.callbacks.append(cb2)
b = N()
c = N()
b.c = c
c.b = b
del b, c
gc.collect()
gc.callbacks.clear()
print(stats["collected"])
