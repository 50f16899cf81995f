# Python recursion through __repr__ / __eq__ and native recursion share one depth.
import threading
class R:
    def __init__(self, c):
        self.c = c
    def __repr__(self):
        return repr([self.c])
class E:
    def __eq__(self, o):
        return [self] == [o]
def chain():
    r = None
    for i in range(2000):
        r = R(r)
    return r
def f(n):
    return f(n + 1)
def work(where):
    for name, g in (('call', lambda: f(0)), ('repr', lambda: repr(chain())), ('eq', lambda: E() == E())):
        try:
            g()
            print(where, name, 'no error')
        except RecursionError:
            print(where, name, 'RecursionError')
work('main')
t = threading.Thread(target=work, args=('thread',))
t.start()
t.join()
