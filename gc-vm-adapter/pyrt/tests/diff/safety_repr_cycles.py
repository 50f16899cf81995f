# Self-referential containers print with CPython's [...] / {...} / (...) markers.
a = []
a.append(a)
print(a)
d = {}
d['d'] = d
print(d)
t = ([],)
t[0].append(t)
print(t)
class R:
    def __repr__(self):
        return 'R' + repr(l)
l = [R()]
print(l)
b = [1, a, {'k': a}]
print(b, str(b), f"{b}")
