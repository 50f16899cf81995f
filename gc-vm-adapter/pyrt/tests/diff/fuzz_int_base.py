# int(s, base) with odd bases (found by tests/fuzz_programs.rs: a base outside 2..=36 was a
# panic inside num-bigint).
cases = [
    ("12", 1), ("12", 37), ("12", -1), ("12", 2**63), ("12", -2**63), ("12", True),
    ("12", 2), ("z", 36), ("Z", 36), ("12", 0), ("0x1f", 0), ("0X1F", 0), ("-0x1f", 0),
    ("0o17", 0), ("0b101", 0), ("0b101", 2), ("0x1f", 16), ("1f", 16), ("0o17", 8),
    ("010", 0), ("000", 0), ("0", 0), ("0x", 16), ("", 10), ("--5", 10), ("+-5", 10),
    ("-+5", 10), ("++5", 10), (" 1_000 ", 0), ("12", 2.0), ("12", "10"), ("12", None),
]
for s, b in cases:
    try:
        print(repr(s), repr(b), int(s, b))
    except Exception as e:
        print(repr(s), repr(b), type(e).__name__, e)
for x in [12, 1.5, None]:
    try:
        print(int(x, 10))
    except Exception as e:
        print(type(e).__name__, e)
