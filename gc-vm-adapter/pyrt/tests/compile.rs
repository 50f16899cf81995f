//! Compiles a corpus of small programs covering the supported subset and checks the
//! disassembly; checks that unsupported constructs are rejected with the right error kind,
//! line and message.

use pyrt::{compile, disassemble, CodeObject, CompileErrorKind, Constant, Instr};

fn dis(src: &str) -> String {
    match compile(src, "<test>") {
        Ok(code) => disassemble(&code),
        Err(e) => panic!("compile failed: {e}\n--- source ---\n{src}"),
    }
}

/// Asserts that every needle occurs in the disassembly of `src`.
fn has(src: &str, needles: &[&str]) {
    let d = dis(src);
    for n in needles {
        assert!(
            d.contains(n),
            "missing {n:?} in disassembly:\n{d}\n--- source ---\n{src}"
        );
    }
}

fn lacks(src: &str, needles: &[&str]) {
    let d = dis(src);
    for n in needles {
        assert!(!d.contains(n), "unexpected {n:?} in disassembly:\n{d}");
    }
}

fn nested<'c>(code: &'c CodeObject, name: &str) -> &'c CodeObject {
    code.constants
        .iter()
        .find_map(|c| match c {
            Constant::Code(c) if c.name == name => Some(&**c),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no nested code {name}"))
}

fn err(src: &str, kind: CompileErrorKind, line: u32, words: &[&str]) {
    let e = match compile(src, "<test>") {
        Ok(code) => panic!("expected an error, got:\n{}", disassemble(&code)),
        Err(e) => e,
    };
    assert_eq!(e.kind, kind, "{e}");
    assert_eq!(e.line, line, "{e}");
    let text = e.to_string();
    for w in words {
        assert!(text.contains(w), "{w:?} not in {text:?}");
    }
}

fn unsupported(src: &str, line: u32, construct: &str) {
    err(
        src,
        CompileErrorKind::NotImplemented,
        line,
        &[
            "NotImplementedError",
            construct,
            "not supported",
            &format!("(line {line})"),
        ],
    );
}

#[test]
fn module_globals_and_expressions() {
    has(
        "x = 1\ny = -x + 2 * 3 ** 2 // 4 % 5 - 6 / 7\nz = (x << 1) | (x >> 1) & ~x ^ 3\nprint(y, z)\n",
        &[
            "StoreGlobal        0 (x)",
            "UnaryOp            (Neg)",
            "BinaryOp           (**)",
            "BinaryOp           (//)",
            "BinaryOp           (%)",
            "BinaryOp           (/)",
            "BinaryOp           (<<)",
            "BinaryOp           (|)",
            "BinaryOp           (^)",
            "UnaryOp            (Invert)",
            "Call               2",
        ],
    );
}

#[test]
fn constants() {
    let code = compile(
        "a = None\nb = True\nc = 12345678901234567890123\nd = 1.5\ne = 'hi'\nf = 1\ng = 1.0\n",
        "<t>",
    )
    .unwrap();
    let d = disassemble(&code);
    for s in [
        "(None)",
        "(True)",
        "(12345678901234567890123)",
        "(1.5)",
        "(\"hi\")",
        "(1)",
        "(1.0)",
    ] {
        assert!(d.contains(s), "{s} in {d}");
    }
    // 1, 1.0 and True are distinct constants.
    assert_eq!(code.constants.len(), 7, "{:?}", code.constants);
}

#[test]
fn comparisons_and_boolean_ops() {
    has(
        "a = 1\nb = a is None or a is not None and a in [1] and a not in (2, 3)\nc = 1 < a <= 3 != 4\nd = not a\ne = a if b else c\n",
        &[
            "Compare            (is)",
            "Compare            (is not)",
            "Compare            (in)",
            "Compare            (not in)",
            "JumpIfTrueOrPop",
            "JumpIfFalseOrPop",
            "Compare            (<)",
            "Compare            (<=)",
            "Compare            (!=)",
            "Rot3",
            "UnaryOp            (Not)",
            "PopJumpIfFalse",
            "BuildList          1",
            "BuildTuple         2",
        ],
    );
}

#[test]
fn containers_subscripts_slices() {
    has(
        "d = {'a': 1, 'b': [1, 2]}\nd['c'] = 3\nx = d['a']\ndel d['a']\nl = [1, 2, 3]\nm = l[1:2]\nn = l[::2]\nt = (1,)\ne = ()\nl[0] += 1\nm2 = {**d, 'z': 1}\nu = [*l, 4]\n",
        &[
            "BuildMap           2",
            "StoreSubscr",
            "LoadSubscr",
            "DeleteSubscr",
            "BuildSlice         2",
            "BuildSlice         3",
            "BuildTuple         1",
            "BuildTuple         0",
            "Dup2",
            "InplaceOp          (+)",
            "DictMerge          1",
            "MapAdd             1",
            "ListExtend         1",
        ],
    );
}

#[test]
fn functions_defaults_and_locals() {
    let src =
        "def f(a, b=2, *args, c, d=4, **kw):\n    x = a + b\n    del x\n    return kw\nf(1, c=3)\n";
    let code = compile(src, "<t>").unwrap();
    let f = nested(&code, "f");
    assert_eq!(f.argcount, 2);
    assert_eq!(f.kwonlyargcount, 2);
    assert!(f.has_varargs && f.has_varkeywords);
    assert_eq!(f.num_defaults, 1);
    assert_eq!(&f.varnames[..7], ["a", "b", "c", "d", "args", "kw", "x"]);
    has(
        src,
        &[
            "MakeFunction       (defaults, kwdefaults)",
            "LoadFast           0 (a)",
            "StoreFast          6 (x)",
            "DeleteFast         6 (x)",
            "CallKw             2",
            "(\"c\",)",
        ],
    );
}

#[test]
fn implicit_return_none_and_global_statement() {
    has(
        "count = 0\ndef bump():\n    global count\n    count += 1\n",
        &[
            "LoadGlobal         0 (count)",
            "StoreGlobal        0 (count)",
            "Return",
        ],
    );
}

#[test]
fn closures_cells_and_nonlocal() {
    let src = "def outer(n):\n    total = 0\n    def inner(x):\n        nonlocal total\n        total += x\n        return total + n\n    return inner\n";
    let code = compile(src, "<t>").unwrap();
    let outer = nested(&code, "outer");
    assert_eq!(outer.cellvars, ["n", "total"]);
    assert_eq!(outer.cell2arg, [Some(0), None]);
    let inner = nested(outer, "inner");
    assert_eq!(inner.freevars, ["n", "total"]);
    assert_eq!(inner.qualname, "outer.<locals>.inner");
    has(
        src,
        &[
            "LoadClosure        0 (n)",
            "LoadClosure        1 (total)",
            "MakeFunction       (closure)",
            "StoreDeref         1 (total)",
            "LoadDeref          0 (n)",
        ],
    );
}

#[test]
fn lambda_and_closure_through_class() {
    let src = "def make(v):\n    class K:\n        def get(self):\n            return v\n    return K, lambda y=1: y + v\n";
    let code = compile(src, "<t>").unwrap();
    let make = nested(&code, "make");
    assert_eq!(make.cellvars, ["v"]);
    let k = nested(make, "K");
    assert_eq!(
        k.freevars,
        ["v"],
        "class bodies pass free variables through"
    );
    let get = nested(k, "get");
    assert_eq!(get.freevars, ["v"]);
    assert_eq!(get.qualname, "make.<locals>.K.get");
    has(
        src,
        &["<code <lambda>>", "MakeFunction       (defaults, closure)"],
    );
}

#[test]
fn classes_with_init_del_slots() {
    let src = "\
class Node:
    __slots__ = ('next', 'prev')
    count = 0
    def __init__(self, nxt=None):
        self.next = nxt
        self.prev = None
        Node.count += 1
    def __del__(self):
        print('bye', self)

class Sub(Node):
    pass

n = Node()
n.next = n
";
    has(
        src,
        &[
            "StoreName          0 (__slots__)",
            "StoreName          1 (count)",
            "LoadLocals",
            "(\"Node\")",
            "MakeClass          0",
            "MakeClass          1",
            "StoreAttr          0 (next)",
            "(ClassBody, <test>, line 1,",
            "Node.__init__",
            "Node.__del__",
        ],
    );
}

#[test]
fn class_body_names() {
    // Class-level names use *Name; methods do not see class-level names (they use globals).
    let src = "x = 1\nclass C:\n    y = x\n    def m(self):\n        return y\n";
    has(
        src,
        &[
            "LoadName           0 (x)",
            "StoreName          1 (y)",
            "LoadGlobal         0 (y)",
        ],
    );
}

#[test]
fn control_flow_loops() {
    has(
        "i = 0\nwhile i < 10:\n    i += 1\n    if i == 3:\n        continue\n    if i == 8:\n        break\nelse:\n    pass\nfor a, b in [(1, 2)]:\n    if a:\n        break\n",
        &[
            "JumpBackward",
            "GetIter",
            "ForIter",
            "UnpackSequence     2",
            "PopJumpIfFalse",
        ],
    );
}

#[test]
fn backward_jumps_are_marked() {
    let code = compile("while True:\n    pass\nfor x in y:\n    continue\n", "<t>").unwrap();
    for (pc, i) in code.instructions.iter().enumerate() {
        if let Some(t) = i.jump_target() {
            assert_eq!(
                t as usize <= pc,
                matches!(i, Instr::JumpBackward(_)),
                "{pc}: {i:?}"
            );
            assert!(i.is_safepoint() == matches!(i, Instr::JumpBackward(_)));
        }
    }
    assert!(
        code.instructions
            .iter()
            .filter(|i| i.is_safepoint())
            .count()
            >= 3
    );
}

#[test]
fn try_except_raise() {
    let src = "\
try:
    raise ValueError('x')
except (KeyError, ValueError) as e:
    print(e)
except Exception:
    raise
else:
    pass
try:
    pass
except:
    raise RuntimeError('y') from None
";
    has(
        src,
        &[
            "SetupExcept",
            "CheckExcMatch",
            "PopExcept",
            "Raise              1",
            "Raise              0",
            "Raise              2",
            "Reraise",
            "PopBlock",
            "DeleteGlobal       2 (e)",
        ],
    );
}

#[test]
fn try_finally_and_return_inside() {
    let src = "\
def f(lock):
    try:
        for i in range(3):
            try:
                if i:
                    break
                return i
            finally:
                lock.release()
    except KeyError:
        return -1
    finally:
        print('done')
";
    let code = compile(src, "<t>").unwrap();
    let f = nested(&code, "f");
    let d = disassemble(f);
    assert!(d.contains("SetupFinally"), "{d}");
    // The finally bodies are inlined on the return / break paths.
    let releases = f
        .instructions
        .iter()
        .filter(|i| matches!(i, Instr::LoadAttr(n) if f.names[*n as usize] == "release"))
        .count();
    assert!(releases >= 4, "{d}");
    let prints = f
        .instructions
        .iter()
        .filter(|i| matches!(i, Instr::LoadGlobal(n) if f.names[*n as usize] == "print"))
        .count();
    assert!(prints >= 4, "{d}");
}

#[test]
fn with_statement() {
    has(
        "import threading\nlock = threading.Lock()\nwith lock:\n    pass\nwith lock as l, open('f') as g:\n    print(l, g)\n",
        &["Import             0 (threading)", "WithEnter", "WithExit", "WithExceptExit", "PopBlock"],
    );
    // return inside with: the manager is exited after the return value is computed.
    let src = "def f(m):\n    with m:\n        return 1\n";
    let code = compile(src, "<t>").unwrap();
    let f = nested(&code, "f");
    let ins = &f.instructions;
    let ret = ins.iter().position(|i| matches!(i, Instr::Return)).unwrap();
    assert!(matches!(
        ins[ret - 4..ret],
        [
            Instr::LoadConst(_),
            Instr::PopBlock,
            Instr::Rot2,
            Instr::WithExit
        ]
    ));
}

#[test]
fn fstrings() {
    has(
        "x = 3.14159\nn = 'a'\ns = f'{x} {x:.2f} {n:>5} {n!r} {x:{n}}'\nt = f'{n}'\n",
        &[
            "FormatValue        ()",
            "FormatValue        (, spec)",
            "FormatValue        (!r)",
            "LoadConst          3 (\".2f\")",
            "BuildString        9",
            "BuildString",
        ],
    );
}

#[test]
fn comprehensions() {
    let src = "xs = [1, 2, 3]\nsq = [x * x for x in xs if x > 1]\nd = {k: k + 1 for k in xs}\ntot = sum(x * x for x in xs)\npairs = [(a, b) for a in xs for b in xs]\n";
    let code = compile(src, "<t>").unwrap();
    let g = nested(&code, "<genexpr>");
    assert_eq!(g.varnames[0], ".0");
    let d = disassemble(&code);
    for s in [
        "<code <listcomp>>",
        "<code <dictcomp>>",
        "<code <genexpr>>",
        "ListAppend         2",
        "ListAppend         3",
        "MapAdd             2",
        "LoadFast           0 (.0)",
        "Call               1",
    ] {
        assert!(d.contains(s), "{s} missing in {d}");
    }
}

#[test]
fn comprehension_captures_function_local() {
    let src = "def f(k):\n    return [x + k for x in range(3)]\n";
    let code = compile(src, "<t>").unwrap();
    let f = nested(&code, "f");
    assert_eq!(f.cellvars, ["k"]);
    assert_eq!(nested(f, "<listcomp>").freevars, ["k"]);
}

#[test]
fn threading_gc_weakref_programs() {
    let src = "\
import threading, time, gc, sys
from weakref import ref
import weakref as wr

events = []
def on_gc(phase, info):
    events.append((phase, info['generation']))
gc.callbacks.append(on_gc)

class Obj:
    pass

def cb(r):
    print('dead', r)

o = Obj()
w = ref(o, cb)
w2 = wr.ref(o, lambda r: None)
del o
gc.collect()

def worker(n, out):
    for i in range(n):
        out.append(i)

out = []
ts = [threading.Thread(target=worker, args=(100, out)) for _ in range(4)]
for t in ts:
    t.start()
for t in ts:
    t.join()
assert len(out) == 400, f'got {len(out)}'
time.sleep(0.01)
sys.exit(0)
";
    has(
        src,
        &[
            "Import             0 (threading)",
            "Import             1 (time)",
            "Import             4 (weakref)",
            "ImportFrom         5 (ref)",
            "LoadAttr",
            "CallKw             2",
            "(\"target\", \"args\")",
            "LoadAssertionError",
            "DeleteGlobal",
        ],
    );
}

#[test]
fn star_args_at_call_sites() {
    has(
        "def f(*a, **k):\n    return g(*a, 1, **k, z=2)\n",
        &[
            "ListExtend         1",
            "ListToTuple",
            "DictMerge          1",
            "CallEx             (kwargs)",
        ],
    );
    has("f(*xs)\n", &["CallEx"]);
}

#[test]
fn assignment_forms() {
    has(
        "a = b = 1\na, (b, c) = 1, (2, 3)\n[d, e] = [4, 5]\nx: int = 3\ny: int\nobj.attr += 2\n",
        &["Dup", "UnpackSequence     2", "Rot2", "StoreAttr"],
    );
}

#[test]
fn assert_and_pass_and_del() {
    has(
        "def f(x):\n    assert x, 'msg'\n    assert x\n    pass\n    del x\n",
        &[
            "PopJumpIfTrue",
            "LoadAssertionError",
            "Call               1",
            "Raise              1",
            "DeleteFast",
        ],
    );
}

#[test]
fn docstrings_compile_to_nothing() {
    lacks("'''doc'''\n", &["Pop\n"]);
}

#[test]
fn line_table() {
    let code = compile("x = 1\n\ny = (\n  x +\n  2)\n", "<t>").unwrap();
    assert_eq!(code.lines.len(), code.instructions.len());
    assert_eq!(code.lines[0], 1);
    let add = code
        .instructions
        .iter()
        .position(|i| matches!(i, Instr::LoadConst(c) if matches!(&code.constants[*c as usize], Constant::Int(v) if *v == 2.into())))
        .unwrap();
    assert_eq!(code.lines[add], 5);
}

#[test]
fn syntax_errors() {
    err(
        "x = (1,\n",
        CompileErrorKind::SyntaxError,
        2,
        &["SyntaxError"],
    );
    err(
        "x = 1\ny = = 2\n",
        CompileErrorKind::SyntaxError,
        2,
        &["SyntaxError", "line 2"],
    );
    err(
        "return 1\n",
        CompileErrorKind::SyntaxError,
        1,
        &["'return' outside function"],
    );
    err(
        "class C:\n    return 1\n",
        CompileErrorKind::SyntaxError,
        2,
        &["'return' outside function"],
    );
    err(
        "x = 1\nbreak\n",
        CompileErrorKind::SyntaxError,
        2,
        &["'break' outside loop"],
    );
    err(
        "continue\n",
        CompileErrorKind::SyntaxError,
        1,
        &["'continue'"],
    );
    err(
        "def f():\n    nonlocal q\n",
        CompileErrorKind::SyntaxError,
        2,
        &["nonlocal 'q'"],
    );
    err(
        "nonlocal q\n",
        CompileErrorKind::SyntaxError,
        1,
        &["module level"],
    );
    err(
        "try:\n    pass\nexcept:\n    pass\nexcept E:\n    pass\n",
        CompileErrorKind::SyntaxError,
        3,
        &["must be last"],
    );
    err("f() = 1\n", CompileErrorKind::SyntaxError, 1, &["assign"]);
}

#[test]
fn unsupported_constructs() {
    unsupported("x = 1\n\nasync def f():\n    pass\n", 3, "'async def'");
    unsupported("def f():\n    x = 1\n    yield x\n", 3, "'yield'");
    unsupported("def f():\n    yield from g()\n", 2, "'yield from'");
    unsupported("@dec\ndef f():\n    pass\n", 1, "decorator");
    unsupported(
        "class C:\n    @staticmethod\n    def f():\n        pass\n",
        2,
        "decorator",
    );
    unsupported("s = {1, 2}\n", 1, "set literal");
    unsupported("s = {x for x in y}\n", 1, "set comprehension");
    unsupported("if (n := 3):\n    pass\n", 1, "':='");
    unsupported("match x:\n    case 1:\n        pass\n", 1, "'match'");
    unsupported("class C(metaclass=M):\n    pass\n", 1, "metaclass");
    unsupported("a, *b = [1, 2, 3]\n", 1, "starred assignment");
    unsupported("from os import *\n", 1, "import *");
    unsupported("from . import x\n", 1, "relative import");
    unsupported("import os.path\n", 1, "dotted");
    unsupported("x = b'bytes'\n", 1, "bytes literal");
    unsupported("x = 1j\n", 1, "complex literal");
    unsupported("x = ...\n", 1, "Ellipsis");
    unsupported("try:\n    pass\nexcept* E:\n    pass\n", 1, "except*");
    unsupported("async def f():\n    await g()\n", 1, "'async def'");
    unsupported(
        "class C(B):\n    def f(self):\n        return super().f()\n",
        3,
        "super()",
    );
    unsupported("def f[T](x):\n    pass\n", 1, "type parameters");
}

#[test]
fn display_format_of_not_implemented() {
    let e = compile("x = 1\n\nasync def f():\n    pass\n", "<t>").unwrap_err();
    assert_eq!(
        e.to_string(),
        "NotImplementedError: 'async def' is not supported by this runtime (line 3)"
    );
}

#[test]
fn code_objects_are_shareable_across_threads() {
    let code = compile("def f(x):\n    return x\n", "<t>").unwrap();
    let c2 = code.clone();
    let h = std::thread::spawn(move || disassemble(&c2).len());
    assert!(h.join().unwrap() > 0);
}

/// The standard workloads of DESIGN §5, written the way the benchmark scripts will be.
#[test]
fn standard_workload_programs_compile() {
    let rings = "\
import gc, time

class Node:
    __slots__ = ('next', 'prev', 'payload')
    def __init__(self):
        self.next = None
        self.prev = None
        self.payload = 0

def make_ring(n):
    first = Node()
    cur = first
    for _ in range(n - 1):
        nxt = Node()
        cur.next = nxt
        nxt.prev = cur
        cur = nxt
    cur.next = first
    first.prev = cur
    return first

def main(rings, size=20):
    for _ in range(rings):
        make_ring(size)
    t0 = time.perf_counter()
    collected = gc.collect()
    dt = time.perf_counter() - t0
    print(f'collected {collected} in {dt * 1e3:.3f} ms ({dt / max(collected, 1) * 1e9:.1f} ns/object)')

main(100_000)
";
    let traversal = "\
import gc
def build():
    lists = [[]]
    for k in range(1, 1000):
        lists.append([lists[k - 1]] * k)
    return lists
roots = build()
for _ in range(10):
    gc.collect()
";
    let tree = "\
class Tree:
    def __init__(self, left, right):
        self.left, self.right = left, right
def make(depth):
    return Tree(make(depth - 1), make(depth - 1)) if depth > 0 else None
def count(t):
    return 0 if t is None else 1 + count(t.left) + count(t.right)
root = make(10)
assert count(root) == 1023
";
    let scaling = "\
import threading, time, gc, weakref

stop = False
keep = []
keep_lock = threading.Lock()
deaths = [0]

def died(_r):
    with keep_lock:
        deaths[0] += 1

def mutator(tid, live):
    i = 0
    while not stop:
        a = {'id': i}
        b = [a]
        a['peer'] = b
        r = weakref.ref(b, died) if i % 7 == 0 else None
        if i % 50 == 0:
            with keep_lock:
                keep.append(b)
                if len(keep) > live:
                    del keep[0]
        i += 1

threads = [threading.Thread(target=mutator, args=(t, 1000), daemon=True) for t in range(4)]
for t in threads:
    t.start()
time.sleep(1.0)
stop = True
for t in threads:
    t.join()
print('deaths', deaths[0], 'collections', gc.get_stats() if hasattr(gc, 'get_stats') else None)
";
    for (name, src) in [
        ("rings", rings),
        ("traversal", traversal),
        ("tree", tree),
        ("scaling", scaling),
    ] {
        let code = compile(src, name).unwrap_or_else(|e| panic!("{name}: {e}"));
        let d = disassemble(&code);
        assert!(d.contains("JumpBackward") || name == "tree", "{name}:\n{d}");
    }
}

#[test]
fn max_stack_is_computed() {
    let code = compile(
        "x = f(1, 2, 3)\nfor i in y:\n    z = [i, i, (i, i)]\n",
        "<t>",
    )
    .unwrap();
    assert_eq!(code.max_stack, 5);
    assert_eq!(pyrt::stack_depth(&code.instructions), Ok(5));
    assert!(pyrt::stack_depth(&[Instr::Pop]).is_err());
}
