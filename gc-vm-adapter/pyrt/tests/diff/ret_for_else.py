# `for` with `return` in the body, with and without an `else` that returns.
def find(xs, want):
    for i, x in enumerate(xs):
        if x == want:
            return i


def find_else(xs, want):
    for i, x in enumerate(xs):
        if x == want:
            return i
    else:
        return -1


def first(xs):
    for x in xs:
        return x


print(find([1, 2, 3], 2), find([1, 2, 3], 9))
print(find_else([1, 2, 3], 3), find_else([], 3))
print(first([4, 5]), first([]))
