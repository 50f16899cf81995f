print(1 + 2 * 3, 7 // 2, -7 // 2, 7 % -3, 2 ** 10, 7 / 2, 1 / 4)
print(2 ** 64, 2 ** 64 - 1, -(2 ** 63) - 1, 10 ** 30 // 7, 10 ** 30 % 7)
x = 9223372036854775807
print(x + 1, x * x, (x + 1) - 1 == x, type(x + 1).__name__)
print(3 * 1.5, 1e300 * 10, 0.1 + 0.2, 1e-7, 123456789.0 * 1000, 5e-324)
print(abs(-5), abs(-2.5), round(2.5), round(3.5), round(2.675, 2), divmod(-7, 2))
print(1 < 2 < 3, 1 < 2 > 3, 1 == 1.0, True + True, 5 & 3, 5 | 3, 5 ^ 3, ~5, 1 << 70, -1 >> 3)
print(int("123"), int("-0042"), int(3.9), float("1.5"), int("ff", 16), bool(0), bool([1]))
print(max(3, 1, 2), min([4, 2, 8]), sum([1, 2, 3], 10), max("abc"), min([], default=None))
i = 0
while True:
    i += 1
    if i > 5:
        break
print(i, 17 % 5, -17 % 5, 2 ** -1, hex(255), bin(5))
