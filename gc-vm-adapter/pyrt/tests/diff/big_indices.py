# Ints past i64 as indices, slice bounds and pop positions.
big = 10**30
lst = [1, 2, 3]
print(lst[big:10**31], lst[-big:big], lst[-big:2], lst[1:big], lst[::big], lst[::-big])
print((1, 2, 3)[-big:big:2], "abcdef"[2:big], "abcdef"[big:], "abc"[::-big])
l2 = [1, 2, 3, 4]
l2[big:] = [9]
print(l2)
l2[:-big] = [0]
print(l2)
del l2[big:]
del l2[-big:1]
print(l2)
def attempt(label, f):
    try:
        print(label, f())
    except Exception as ex:
        print(label, type(ex).__name__, ex)
attempt("pop big", lambda: [1, 2, 3].pop(big))
attempt("pop -big", lambda: [1, 2, 3].pop(-big))
attempt("pop empty big", lambda: [].pop(big))
attempt("pop str", lambda: [1].pop("0"))
attempt("pop True", lambda: [1, 2].pop(True))
attempt("list[big]", lambda: lst[big])
attempt("list[-big]", lambda: lst[-big])
attempt("tuple[big]", lambda: (1, 2)[big])
attempt("str[big]", lambda: "ab"[big])
attempt("list['a']", lambda: lst["a"])
attempt("list[1.0]", lambda: lst[1.0])
attempt("slice str", lambda: lst["a":])
def setbig():
    lst[big] = 1
def delbig():
    del lst[big]
attempt("set big", setbig)
attempt("del big", delbig)
attempt("range(10)[big]", lambda: range(10)[big])
print(lst)
