def safe(f, *args):
    try:
        return f(*args)
    except (ZeroDivisionError, KeyError) as e:
        return "caught " + type(e).__name__ + ": " + str(e)
    except IndexError:
        return "index"
    finally:
        print("finally", f.__name__)

print(safe(lambda: 1 / 0))
print(safe(lambda: {}["k"]))
print(safe(lambda: [][1]))
print(safe(lambda: 42))

class MyError(ValueError):
    def __init__(self, code):
        ValueError.__init__(self, "code " + str(code))
        self.code = code

try:
    raise MyError(7)
except ValueError as e:
    print("MyError", e.code, e, e.args, isinstance(e, Exception))

for exc in (ValueError("v"), TypeError("t"), RuntimeError("r"), NameError("n"), AttributeError("a")):
    try:
        raise exc
    except Exception as e:
        print(type(e).__name__, e)

try:
    try:
        undefined_name
    except NameError as e:
        print("inner", e)
        raise
except NameError:
    print("reraised")

try:
    try:
        raise KeyError("x")
    finally:
        print("cleanup")
except KeyError as e:
    print("outer", repr(e))

def gen_error():
    try:
        int("abc")
    except ValueError as e:
        return str(e)
    else:
        return "no error"
print(gen_error())
try:
    assert 1 == 2, "math is broken"
except AssertionError as e:
    print("assert:", e)
try:
    x = 1
    del x
    print(x)
except NameError as e:
    print("NameError")
r = None
try:
    pass
except Exception:
    r = "bad"
else:
    r = "else ran"
print(r)
