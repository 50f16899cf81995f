# Changing a dict's size while iterating over it is CPython's RuntimeError.
def attempt(label, body):
    d = {1: "a", 2: "b", 3: "c"}
    seen = []
    try:
        for k in d:
            seen.append(k)
            body(d, k)
        print(label, "finished", seen, d)
    except RuntimeError as ex:
        print(label, "RuntimeError", ex, seen, d)

def add(d, k):
    d[k + 10] = "new"
def delete(d, k):
    del d[k]
def clear(d, k):
    d.clear()
def pop_other(d, k):
    if k == 1:
        d.pop(3)
def replace_value(d, k):
    d[k] = "changed"
def add_then_remove(d, k):
    d[99] = 1
    del d[99]
attempt("add", add)
attempt("del", delete)
attempt("clear", clear)
attempt("pop other", pop_other)
attempt("replace value", replace_value)
attempt("add then remove", add_then_remove)
d = {1: 1}
it = iter(d)
d[2] = 2
try:
    next(it)
except RuntimeError as ex:
    print("next", ex)
d = {1: 1, 2: 2}
for k in list(d):
    del d[k]
print(d)
