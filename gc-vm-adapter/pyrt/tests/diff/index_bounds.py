# index / find with start and end: slice-style bounds, clamped, negative from the end.
lst = [1, 2, 3, 1, 2, 3]
for args in [(1,), (1, 1), (1, 3), (1, 4), (3, -3), (2, -2), (2, 0, 2), (3, 0, 2), (1, 1, 3),
             (1, -100), (1, 10**30), (1, -(10**30), 10**30), (2, None), (2, 2, None), (1, 4, 1)]:
    for seq in (lst, tuple(lst)):
        try:
            print(type(seq).__name__, args, seq.index(*args))
        except (ValueError, TypeError) as ex:
            print(type(seq).__name__, args, type(ex).__name__, ex)
for bad in [(1, "a"), (1, 1.5)]:
    try:
        lst.index(*bad)
    except TypeError as ex:
        print("TypeError", ex)
try:
    lst.index()
except TypeError as ex:
    print("TypeError")

s = "hello, world, héllo"
for args in [("o",), ("o", 5), ("o", 5, 8), ("o", 5, 9), ("l", -5), ("", 3), ("", 19), ("", 20),
             ("héllo", 1), ("héllo", 14), ("x",), ("o", 10**30), ("o", -(10**30), 2), ("lo", 3, 5), ("o", None, None),
             ("", 20, 10), ("o", 8, 5)]:
    print(args, s.find(*args), s.rfind(*args))
    for m in (s.index, s.rindex):
        try:
            print(" ", m(*args))
        except ValueError as ex:
            print("  ValueError", ex)
try:
    s.find(1)
except TypeError as ex:
    print("TypeError", ex)
