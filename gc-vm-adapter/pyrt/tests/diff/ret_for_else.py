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


# `break` skips an `else` that returns: the loop's end is reached only through the `break`
# (this shape ends in `Return` yet falls off the end).
def first_true_or_minus_one(xs):
    for x in xs:
        if x:
            break
    else:
        return -1


print(first_true_or_minus_one([0, 1]), first_true_or_minus_one([]))
