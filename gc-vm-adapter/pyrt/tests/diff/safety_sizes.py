# Sizes computed from user input raise MemoryError / OverflowError as CPython does.
import sys
def check(name, f):
    try:
        f()
        print(name, 'ok')
    except (MemoryError, OverflowError, ValueError) as e:
        print(name, type(e).__name__, e)
check('[0]*2**62', lambda: [0] * (2 ** 62))
check('[0]*10**10', lambda: [0] * 10 ** 10)
check("'a'*10**12", lambda: 'a' * 10 ** 12)
check("'ab'*2**62", lambda: 'ab' * 2 ** 62)
check('(0,)*2**62', lambda: (0,) * 2 ** 62)
check('[0]*2**63', lambda: [0] * 2 ** 63)
check("'a'*2**63", lambda: 'a' * 2 ** 63)
check('list(range(10**12))', lambda: list(range(10 ** 12)))
check('len(range(-2**63, 2**63-1))', lambda: len(range(-2 ** 63, 2 ** 63 - 1)))
check("zfill", lambda: 'x'.zfill(10 ** 12))
check("precision", lambda: format(1.0, '.99999999999f'))
check("width", lambda: format(1, '99999999999999'))
print([0] * 3, 'ab' * 2, (1,) * 2, [1] * -1)
