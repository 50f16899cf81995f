s = "Hello, World"
print(s.upper(), s.lower(), s[0], s[-1], s[1:5], s[::-1], s[::2], len(s))
print(s.split(", "), "a b  c".split(), ",".join(["x", "y", "z"]), s.replace("l", "L"))
print("  pad ".strip(), "xxhixx".strip("x"), s.startswith("Hell"), s.endswith("d"), s.find("W"))
print("{} and {}".format(1, "two"), "{0}{1}{0}".format("a", "b"), "{x:>4}|".format(x=7))
name = "gc"
n = 42
pi = 3.14159265
print(f"{name!r} {n:5d} {n:<5}| {n:^7}| {pi:.3f} {pi:10.2f}| {n:08.3f} {1234567:,} {n:x} {n:#b}")
print(f"{pi:e} {0.0001234:g} {123456789.0:g} {n!s:>4} {'abc':.2} {-n:+d} {n:+d} {0.25:%}")
print(repr("it's"), repr('say "hi"'), str(1.0), str(None), repr([1, "a", None, (1,), ()]))
print("abc" * 3, "b" in "abc", "z" not in "abc", "abc" < "abd", ord("A"), chr(97))
print("%s=%d (%.2f) %5s|%-5s|" % ("x", 3, 2.5, "r", "l"))
words = "the quick brown fox".split()
print(sorted(words), sorted(words, key=len), " ".join(w.title() for w in words))
