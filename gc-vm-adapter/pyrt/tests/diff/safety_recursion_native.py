# Recursion of the runtime's own code (repr, ==, <) is a RecursionError, not a stack overflow.
import threading
a = []
a.append(a)
b = []
b.append(b)
try:
    print(a == b)
except RecursionError as e:
    print('RecursionError', e)
def deep():
    x = []
    for i in range(100000):
        x = [x]
    return x
def work(where):
    x = deep()
    for name, f in (('repr', repr), ('str', str), ('eq', lambda v: v == [x]), ('lt', lambda v: v < [x])):
        try:
            f(x)
        except RecursionError as e:
            print(where, name, 'RecursionError', e)
    x = None
    print(where, 'freed')
work('main')
t = threading.Thread(target=work, args=('thread',))
t.start()
t.join()
