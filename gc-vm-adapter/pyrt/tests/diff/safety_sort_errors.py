# An exception in __lt__ propagates; a list changed by a comparison is CPython's ValueError.
class K:
    def __init__(self, v):
        self.v = v
    def __lt__(self, o):
        if self.v == 3:
            raise ValueError('no 3')
        return self.v < o.v
ks = [K(1), K(3), K(2)]
try:
    sorted(ks)
except ValueError as e:
    print('ValueError', e)
try:
    ks.sort()
except ValueError as e:
    print('ValueError', e, len(ks))
class M:
    def __init__(self, v):
        self.v = v
    def __lt__(self, o):
        print('during sort, len', len(ms))
        ms.append(M(0))
        return self.v < o.v
ms = [M(2), M(1)]
try:
    ms.sort()
except ValueError as e:
    print('ValueError', e, [m.v for m in ms])
try:
    sorted([1, 'a', 2])
except TypeError as e:
    print('TypeError', e)
