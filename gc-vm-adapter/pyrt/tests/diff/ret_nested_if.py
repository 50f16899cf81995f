# A nested `if` ending in `return`: both the inner and the outer false branches fall off.
def f(a, b):
    if a:
        if b:
            return "both"


def g(a, b):
    x = 0
    if a:
        x = 1
        if b:
            x = 2
            if a and b:
                return x


print(f(1, 1), f(1, 0), f(0, 1))
print(g(1, 1), g(1, 0), g(0, 0))
