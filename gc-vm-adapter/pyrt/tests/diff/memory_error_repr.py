# An internal MemoryError has no arguments, as CPython's: repr MemoryError(), args ().
try:
    [0]*10**12
except MemoryError as e:
    print(repr(e), e.args, str(e) == "")
try:
    1 << 2**62
except MemoryError as e:
    print(repr(e))
