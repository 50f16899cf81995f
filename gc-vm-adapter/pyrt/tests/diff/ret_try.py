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
