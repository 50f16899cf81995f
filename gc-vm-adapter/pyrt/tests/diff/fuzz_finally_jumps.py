# A `return` leaving a `try` whose `finally` body itself jumps (`break`, `continue`, another
# `return`): the pending return value is dropped. Found by tests/fuzz_programs.rs (the
# compiler panicked: "inconsistent stack").
def from_handler():
    for i in range(2):
        try:
            raise ValueError
        except Exception:
            return 1
        finally:
            break
    return 2

def from_body_break():
    for i in range(3):
        try:
            return i
        finally:
            break
    return 'after'

def from_body_continue():
    n = 0
    for i in range(3):
        try:
            return i
        finally:
            n += 1
            continue
    return n

def from_while():
    k = 0
    while k < 5:
        k += 1
        try:
            return k
        finally:
            if k < 3:
                continue
    return -1

def return_in_finally():
    try:
        return 'body'
    finally:
        return 'finally'

def nested():
    out = []
    for i in range(2):
        for j in range(3):
            try:
                try:
                    return (i, j)
                finally:
                    out.append(j)
                    if j < 2:
                        continue
            finally:
                if i == 0:
                    break
    return out

def with_lock():
    import threading
    lock = threading.Lock()
    for i in range(2):
        with lock:
            try:
                return i
            finally:
                break
    return lock.locked()

for f in [from_handler, from_body_break, from_body_continue, from_while, return_in_finally,
          nested, with_lock]:
    print(f.__name__, f())
