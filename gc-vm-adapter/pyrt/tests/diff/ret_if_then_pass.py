# `if n: return 1` followed by `pass`: the last instruction is no longer the return.
def f(n):
    if n: return 1
    pass


def g(n):
    if n:
        return 1
    # A bare constant statement compiles to nothing either.
    "done"


print(f(1), f(0), g(1), g(0))
