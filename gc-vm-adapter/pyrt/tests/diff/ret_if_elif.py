# `if/elif` with returns in every branch but no `else`.
def sign(n):
    if n > 0:
        return 1
    elif n < 0:
        return -1


def grade(n):
    if n >= 90:
        return "A"
    elif n >= 80:
        return "B"
    elif n >= 70:
        return "C"


print(sign(5), sign(-5), sign(0))
print(grade(95), grade(85), grade(75), grade(10))
