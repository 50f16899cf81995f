# str.ljust / rjust / center with and without a fill character.
for w in [-1, 0, 3, 4, 5, 6, 7, 8]:
    for s in ["", "a", "ab", "abc", "héé"]:
        print(repr(s), w, repr(s.ljust(w)), repr(s.rjust(w, "*")), repr(s.center(w)),
              repr(s.center(w, "é")))
print("x".center(10, "-"), "xy".center(9, "."), "|" + "abc".ljust(True) + "|")
for bad in [("ab",), ("",), (1,)]:
    try:
        "x".ljust(5, *bad)
    except TypeError as ex:
        print("TypeError", ex)
for w in ["5", 2.5]:
    try:
        "x".rjust(w)
    except TypeError as ex:
        print("TypeError", ex)
try:
    "x".center()
except TypeError as ex:
    print("TypeError")
