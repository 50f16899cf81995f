# Every recursion path (calls, __repr__, __eq__, __lt__, sort keys, __str__) stops at the
# shared depth limit on a threading.Thread stack.
import threading
class R:
    def __init__(s, c): s.c = c
    def __repr__(s): return repr([s.c])
class E:
    def __eq__(s, o): return [s] == [o]
class L:
    def __lt__(s, o): return [s] < [o]
def f(n): return f(n + 1)
def g(n): return sorted([1, 2], key=lambda v: g(n + 1))
def h(n): return str(H(n))
class H:
    def __init__(s, n): s.n = n
    def __str__(s): return h(s.n + 1)
def work():
    r = None
    for i in range(3000): r = R(r)
    for name, fn in (('call', lambda: f(0)), ('repr', lambda: repr(r)), ('eq', lambda: E() == E()), ('lt', lambda: L() < L()), ('key', lambda: g(0)), ('str', lambda: h(0))):
        try: fn(); print(name, 'no error')
        except RecursionError: print(name, 'RecursionError')
t = threading.Thread(target=work); t.start(); t.join()
