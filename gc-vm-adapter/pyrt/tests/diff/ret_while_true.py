# Loops: `while True: return`, a `while` whose condition can fail, `break` out of an infinite
# loop, `return` inside the loop body only.
def forever(n):
    while True:
        return n


def countdown(n):
    while n > 0:
        if n == 3:
            return "hit 3"
        n -= 1


def breaks(n):
    while True:
        if n > 2:
            break
        n += 1
    return n


def loop_else(n):
    while n:
        n -= 1
        if n == 10:
            return "ten"
    else:
        return "exhausted"


print(forever(7), countdown(5), countdown(2), breaks(0), loop_else(20), loop_else(5))


# `while` with an `else` that returns, left early by `break`.
def stops_at_five(n):
    while n:
        n -= 1
        if n == 5:
            break
    else:
        return "done"


print(stops_at_five(10), stops_at_five(3))
