# Slice assignment / deletion resolve their indices under the list's lock; CPython's results.
l = list(range(10))
l[2:5] = ['a', 'b']
print(l)
l[1:1] = ['ins']
print(l)
l[::2] = list(range(5))
print(l)
try:
    l[::2] = [1]
except ValueError as e:
    print('ValueError', e)
l[8:2] = ['x']
print(l)
l[-100:2] = []
print(l)
del l[::3]
print(l)
del l[-1]
print(l)
try:
    del l[100]
except IndexError as e:
    print('IndexError', e)
m = [1, 2, 3]
m[:] = m
m += m
print(m, m[::-9223372036854775807], m[-9223372036854775807:2])
m.extend(m)
print(len(m), 3 in m, m.index(3), m.count(1))
try:
    [].pop()
except IndexError as e:
    print('IndexError', e)
