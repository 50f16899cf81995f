# Three-argument pow: computed modulo m, the result takes m's sign, negative exponents invert.
cases = [
    (3, 4, 5), (2, -1, 7), (2, 3, 0), (-3, 5, 7), (3, 5, -7), (2, 10, 1), (5, 0, 1),
    (0, 0, 3), (4, -2, 9), (2, -1, 4), (10**30 + 7, 10**20, 10**9 + 7),
    (2, 10**40, 10**25 + 1), (-(10**25), 3, -(10**12 + 39)), (10**20, -1, 10**9 + 7),
    (7, -(10**30), 13), (True, 2, 3), (3, 2, None),
]
for b, e, m in cases:
    try:
        print(b, e, m, pow(b, e, m))
    except Exception as ex:
        print(b, e, m, type(ex).__name__, ex)
for args in [(2.0, 3, 5), (2, 3, 5.0), ("a", 1, 2)]:
    try:
        print(pow(*args))
    except TypeError as ex:
        print("TypeError", ex)
print(pow(2, 10), pow(2, -1), pow(-2, 3))
