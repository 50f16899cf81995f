# `with` blocks whose body returns on some paths only.
class Ctx:
    def __init__(self, log):
        self.log = log

    def __enter__(self):
        self.log.append("enter")
        return self

    def __exit__(self, t, v, tb):
        self.log.append("exit")
        return False


def f(n, log):
    with Ctx(log):
        if n:
            return n


def g(n, log):
    with Ctx(log) as c:
        with Ctx(log):
            if n > 1:
                return "deep"
        if n:
            return "shallow"


log = []
print(f(1, log), f(0, log), log)
log = []
print(g(2, log), g(1, log), g(0, log), log)



class Suppress:
    def __enter__(self):
        return self

    def __exit__(self, t, v, tb):
        return True


# The body's `return` is skipped when `__exit__` suppresses the exception.
def suppressed(n):
    with Suppress():
        if n:
            raise ValueError(n)
        return "body"


print(suppressed(0), suppressed(1))
