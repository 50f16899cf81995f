# Item 1: a function whose last statement is `if n: return 1` (no else): the false branch
# falls off the end and must return None.
def f(n):
    if n: return 1


print(f(1), f(0))
