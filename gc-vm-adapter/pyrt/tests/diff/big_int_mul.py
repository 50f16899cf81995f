# `x * y` of big ints checks the result's size (at most x.bit_length() + y.bit_length()
# bits) before multiplying: a product too big to allocate is a MemoryError, not an abort.
# These products are all within bounds, including ones large enough (2**26 bits and more)
# that pyrt asks the allocator first; they must come out exactly as in CPython.
x = (1 << 2**26) + 12345
cases = [
    lambda: x * 3,
    lambda: (x - 1) * -(2**100 + 7),
    lambda: -x * (2**64 - 1),
    lambda: 5 * -x,
    lambda: 0 * x,
    lambda: x * 0,
    lambda: x * 1,
    lambda: -1 * x,
    lambda: (x * 3) * (x >> (2**26 - 40)),
    lambda: (10**2000) * (10**2000),
    lambda: (-(10**2000)) * (7**3000),
]
for f in cases:
    r = f()
    print(r.bit_length(), r < 0, r % 1000003, r & 0xFFFF)
y = x
y *= 1 << 70
print(y.bit_length(), y == x << 70, (x * 99) // x == 99)
print(str((-(10**2000)) * (10**2000))[:10], len(str(-(10**2150) * 10**2149)))
