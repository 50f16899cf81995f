# Cycles through the interpreter's own objects (bound methods, bound builtin methods, list
# iterators, function defaults and closures) are collected.
import gc
import weakref


class A:
    def method(self):
        return 1


def bound_method_cycle():
    a = A()
    a.m = a.method  # a -> bound method -> a
    return weakref.ref(a)


def bound_builtin_cycle():
    a = A()
    a.items = [a]
    a.add = a.items.append  # a -> bound list.append -> list -> a
    return weakref.ref(a)


def iterator_cycle():
    a = A()
    a.it = iter([a])  # a -> iterator -> list -> a
    return weakref.ref(a)


def defaults_cycle():
    a = A()

    def f(x=a):
        return x

    a.f = f  # a -> f -> defaults -> a
    return weakref.ref(a)


def kwdefaults_cycle():
    a = A()

    def f(*, x=a):
        return x

    a.f = f  # a -> f -> kw-defaults -> a
    return weakref.ref(a)


refs = [
    bound_method_cycle(),
    bound_builtin_cycle(),
    iterator_cycle(),
    defaults_cycle(),
    kwdefaults_cycle(),
]
gc.collect()
print([r() is None for r in refs])
