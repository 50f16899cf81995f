# Repeating an empty sequence a huge number of times is instant (found by
# tests/fuzz_programs.rs: pyrt looped 2**63 times doing nothing).
for n in [2**63 - 1, 2**62, 10**18, 0, -5]:
    print(repr([] * n), repr(() * n), repr('' * n), repr(n * []), repr(n * ''))
x = []
x *= 2**63 - 1
print(x)
