# `try/except/finally` ending in `return` on some paths only.
def parse(s):
    try:
        return int(s)
    except ValueError:
        pass


def guarded(s):
    try:
        n = int(s)
    except ValueError:
        return "bad"


def with_finally(s, log):
    try:
        if s:
            return int(s)
    except ValueError:
        return "bad"
    finally:
        log.append(s)


def all_return(s):
    try:
        return int(s)
    except ValueError:
        return "bad"
    finally:
        pass


log = []
print(parse("4"), parse("x"), guarded("4"), guarded("x"))
print(with_finally("5", log), with_finally("", log), with_finally("y", log), log)
print(all_return("6"), all_return("z"))


# A `finally` that returns on one path only, and an `else` that returns.
def fin(s):
    try:
        n = int(s)
    except ValueError:
        n = 0
    finally:
        if s:
            return s


def els(s):
    try:
        n = int(s)
    except ValueError:
        pass
    else:
        return n


print(fin("1"), fin(""), els("2"), els("x"))
