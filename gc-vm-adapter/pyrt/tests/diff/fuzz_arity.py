# Builtins and builtin methods called with too few arguments: CPython's TypeError (found by
# tests/fuzz_programs.rs: each indexed past its arguments and panicked).
import gc
calls = [
    lambda: repr(), lambda: id(), lambda: hash(), lambda: callable(), lambda: chr(),
    lambda: ord(), lambda: hex(), lambda: bin(), lambda: all(), lambda: any(),
    lambda: gc.is_tracked(), lambda: issubclass(int), lambda: reversed(), lambda: hasattr(1),
    lambda: setattr(1, 2), lambda: delattr(1), lambda: divmod(1), lambda: filter(len),
    lambda: iter(), lambda: next(), lambda: format(), lambda: map(len), lambda: enumerate(),
    lambda: [].append(), lambda: [].extend(), lambda: [].remove(), lambda: [].count(),
    lambda: [].insert(1), lambda: [].index(), lambda: ().index(), lambda: ().count(),
    lambda: {}.get(), lambda: {}.pop(), lambda: {}.setdefault(), lambda: ''.join(),
    lambda: ''.zfill(), lambda: ''.replace('a'), lambda: ''.ljust(), lambda: ''.rjust(),
    lambda: ''.center(), lambda: ''.startswith(), lambda: ''.endswith(), lambda: ''.find(),
    lambda: ''.rfind(), lambda: ''.index(), lambda: ''.rindex(), lambda: ''.count(),
]
for f in calls:
    try:
        f()
        print('no error')
    except TypeError as e:
        print('TypeError', e)
# Enough arguments still work.
print(repr(1), hasattr(1, 'real'), divmod(7, 2), [1, 2].index(2), 'ab'.replace('a', 'c'))
print(list(map(len, ['ab'])), list(filter(None, [0, 1])), 'x'.zfill(3), {}.get(1, 2))
