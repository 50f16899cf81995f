# CPython 3.11's limit on int <-> decimal str conversions (4300 digits by default).
import sys


def attempt(label, f):
    try:
        r = f()
    except ValueError as e:
        print(label, "ValueError:", e)
    except TypeError as e:
        print(label, "TypeError:", e)
    except OverflowError as e:
        print(label, "OverflowError:", e)
    else:
        if isinstance(r, str):
            print(label, "ok", len(r), r[:12], r[-3:])
        else:
            print(label, "ok", r)


print("limit", sys.get_int_max_str_digits())

ok = 10**4300 - 1  # 4300 nines
over = 10**4300  # 4301 digits
conversions = [
    ("str", str),
    ("repr", repr),
    ("format d", lambda v: format(v, "d")),
    ("format empty", lambda v: format(v, "")),
    ("format comma", lambda v: format(v, ",")),
    ("format n", lambda v: format(v, "n")),
    ("format width", lambda v: format(v, ">5000")),
    ("percent d", lambda v: "%d" % v),
    ("percent i", lambda v: "%i" % v),
    ("percent s", lambda v: "%s" % v),
    ("percent r", lambda v: "%r" % v),
    ("fstring", lambda v: f"{v}"),
    ("fstring r", lambda v: f"{v!r}"),
    ("str.format", lambda v: "{}".format(v)),
    ("list repr", lambda v: str([v])),
]
for name, f in conversions:
    attempt(name + " 4300", lambda: f(ok))
    attempt(name + " -4300", lambda: f(-ok))
    attempt(name + " 4301", lambda: f(over))
    attempt(name + " -4301", lambda: f(-over))

# print goes through str
try:
    print(over)
except ValueError as e:
    print("print ValueError:", e)

# Power-of-two bases are not limited.
big = 10**5000
print("hex", len(hex(big)), "oct", len(oct(big)), "bin", len(bin(big)))
print("format x", len(format(big, "x")), len("%x" % big), len(f"{big:b}"), len(f"{big:o}"))

# str -> int
texts = [
    ("4300 ones", "1" * 4300),
    ("4301 ones", "1" * 4301),
    ("5000 ones", "1" * 5000),
    ("spaces", "  " + "1" * 4300 + "\n"),
    ("minus", "-" + "1" * 4300),
    ("plus 4301", "+" + "1" * 4301),
    ("zeros", "0" * 4301),
    ("underscores 4300", "1" + "_1" * 4299),
    ("underscores 4301", "1" + "_1" * 4300),
    ("junk after", "1" * 5000 + "x"),
    ("space junk", "1" * 5000 + " z"),
    ("trailing underscore", "1" * 5000 + "_"),
    ("double underscore", "1__" + "1" * 5000),
]
for label, s in texts:
    for base in (10, 0):
        attempt("int %s base %d" % (label, base), lambda: int(s, base) % 1000)
attempt("int base 7", lambda: int("1" * 5000, 7) % 1000)
attempt("int base 36", lambda: int("z" * 5000, 36) % 1000)
attempt("int base 16", lambda: int("f" * 5000, 16) % 1000)
attempt("int base 0 hex", lambda: int("0x" + "f" * 5000, 0) % 1000)
attempt("int base 2", lambda: int("1" * 20000, 2) % 1000)
attempt("int base 8", lambda: int("0o" + "7" * 6000, 8) % 1000)
attempt("int default", lambda: int("9" * 4301))

# set / get
for n in [0, 640, 641, 1, 639, -1, 4300, 2**31, 2**63, True, 1.5, "5", None]:
    attempt("set %r" % (n,), lambda: sys.set_int_max_str_digits(n))
    print("  now", sys.get_int_max_str_digits())
attempt("set no args", lambda: sys.set_int_max_str_digits())
attempt("set two args", lambda: sys.set_int_max_str_digits(1000, 2))
attempt("get args", lambda: sys.get_int_max_str_digits(1))
sys.set_int_max_str_digits(maxdigits=700)
print("keyword", sys.get_int_max_str_digits())
attempt("str 700", lambda: str(10**700 - 1))
attempt("str 701", lambda: str(10**700))
attempt("int 701", lambda: int("1" * 701))
attempt("int 700", lambda: int("1" * 700) % 1000)
sys.set_int_max_str_digits(0)
print("unlimited", len(str(10**20000)), int("7" * 20000) % 1000)
sys.set_int_max_str_digits(4300)
attempt("restored", lambda: str(over))
