# `if ...: ... else: return`: the `if` branch falls off the end, the `else` branch returns.
def f(n):
    if n:
        x = n * 2
    else:
        return "zero"


def g(n):
    if n:
        return "yes"
    else:
        return "no"


print(f(3), f(0), g(1), g(0))
