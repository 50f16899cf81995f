class Animal:
    kind = "animal"
    __slots__ = ("name",)

    def __init__(self, name):
        self.name = name

    def speak(self):
        return f"{self.name} makes a sound"

    def __repr__(self):
        return f"Animal({self.name!r})"


class Dog(Animal):
    kind = "dog"

    def speak(self):
        return Animal.speak(self) + " (woof)"


class Point:
    def __init__(self, x, y):
        self.x = x
        self.y = y

    def __eq__(self, other):
        return self.x == other.x and self.y == other.y

    def __add__(self, other):
        return Point(self.x + other.x, self.y + other.y)

    def __str__(self):
        return f"({self.x}, {self.y})"

    def __len__(self):
        return 2


a = Animal("cat")
d = Dog("rex")
print(a.speak(), d.speak(), a.kind, d.kind, Dog.kind)
print(isinstance(d, Animal), isinstance(a, Dog), isinstance(d, (int, Dog)), type(d).__name__)
print(repr(a), [d], hasattr(d, "name"), hasattr(d, "zzz"), getattr(d, "zzz", "dflt"))
setattr(d, "age", 3)
print(d.age, Point(1, 2) == Point(1, 2), str(Point(1, 2) + Point(3, 4)), len(Point(0, 0)))
m = d.speak
print(m(), isinstance(3, int), isinstance("s", str), isinstance(True, int), isinstance(1.0, float))
print(type(1).__name__, type("").__name__, type([]).__name__, type(None).__name__)
try:
    d.missing
except AttributeError as e:
    print("AttributeError:", e)
