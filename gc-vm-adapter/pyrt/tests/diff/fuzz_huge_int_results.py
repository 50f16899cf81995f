# Integer results too big to allocate are a MemoryError, never an abort (found by
# tests/fuzz_programs.rs: `x << n` and `x ** n` aborted inside num-bigint's allocation).
cases = [
    lambda: 1 << 2**62,
    lambda: (-1) << 2**62,
    lambda: 3 << (2**40),
    lambda: (2**100) << (2**50),
    lambda: 0 << 2**62,
    lambda: 1 << 0x7fffffff,
    lambda: (-1) ** (2**32 - 1),
    lambda: 0 ** (2**32 - 1),
    lambda: 1 << 100,
    lambda: (2**200) >> (2**62),
    lambda: (2**200 + 5).bit_length(),
    lambda: (-2**64).bit_length(),
]
for f in cases:
    try:
        r = f()
        print(r if r.bit_length() < 200 else r.bit_length())
    except Exception as e:
        print(type(e).__name__, e)
