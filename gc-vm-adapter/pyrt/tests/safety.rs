//! Memory-safety regressions: lists shared by threads lose and duplicate nothing, a panic is
//! an internal error with a non-zero status (never a silent exit 0 or a crash), and the
//! runtime's own recursion is a `RecursionError` on every thread.

use gc_vm_adapter::GcConfig;
use pyrt::vm::{run_source, RunOptions, RunResult, INTERNAL_ERROR_STATUS};

fn run(src: &str) -> RunResult {
    let opts = RunOptions {
        argv: vec!["<test>".into()],
        capture: true,
        config: GcConfig::default()
            .with_workers(2)
            .with_parallel_min_objects(0),
    };
    run_source(src, "<test>", opts).unwrap_or_else(|e| panic!("compile error: {e}"))
}

/// Appenders, sorters and removers (native comparisons: the locked path) on one list.
#[test]
fn threads_sorting_removing_appending_lose_nothing() {
    let src = r#"
import threading
L = [-1 - i for i in range(4000)]
done = [0]
def app(base):
    for i in range(5000):
        L.append(base + i)
    done[0] += 0
def sorter():
    for _ in range(30):
        L.sort()
        L.sort(reverse=True)
def remover(k):
    for v in range(k, 4000, 2):
        L.remove(-1 - v)
ts = [threading.Thread(target=app, args=(k * 100000,)) for k in range(4)]
ts += [threading.Thread(target=sorter) for _ in range(2)]
ts += [threading.Thread(target=remover, args=(k,)) for k in range(2)]
for t in ts:
    t.start()
for t in ts:
    t.join()
want = sorted([k * 100000 + i for k in range(4) for i in range(5000)])
print(len(L), sorted(L) == want)
"#;
    let r = run(src);
    assert_eq!(r.error, None);
    assert_eq!(r.stdout, "20000 True\n");
}

/// `remove` through a Python `__eq__` (the unlocked, re-validating path) while other threads
/// append and pop: every removal finds its item, nothing else disappears.
#[test]
fn python_level_remove_under_threads_is_exact() {
    let src = r#"
import threading
class P:
    def __init__(self, v):
        self.v = v
    def __eq__(self, o):
        return isinstance(o, P) and self.v == o.v
L = [P(i) for i in range(1200)]
popped = []
def remover(k):
    for v in range(k, 1200, 3):
        L.remove(P(v))
def app():
    for i in range(3000):
        L.append(P(10000 + i))
def popper():
    for i in range(500):
        popped.append(L.pop())
ts = [threading.Thread(target=remover, args=(k,)) for k in range(3)]
ts += [threading.Thread(target=app), threading.Thread(target=popper)]
ts[3].start()
ts[3].join()
for t in ts[:3] + ts[4:]:
    t.start()
for t in ts[:3] + ts[4:]:
    t.join()
rest = sorted([p.v for p in L] + [p.v for p in popped])
print(len(L), rest == [10000 + i for i in range(3000)])
"#;
    let r = run(src);
    assert_eq!(r.error, None);
    assert_eq!(r.stdout, "2500 True\n");
}

#[test]
fn panic_in_main_is_an_internal_error() {
    let r = run("import sys\nprint('before')\nsys._pyrt_panic()\nprint('after')\n");
    assert_eq!(r.stdout, "before\n");
    assert_eq!(r.exit_code, Some(INTERNAL_ERROR_STATUS));
    assert!(r
        .error
        .expect("report")
        .contains("internal error in thread 'main'"));
}

#[test]
fn panic_in_thread_is_an_internal_error() {
    let src = "import sys, threading\nt = threading.Thread(target=sys._pyrt_panic)\nt.start()\nt.join()\nprint('joined')\n";
    let r = run(src);
    assert_eq!(r.stdout, "joined\n");
    assert_eq!(r.exit_code, Some(INTERNAL_ERROR_STATUS));
    assert!(r
        .error
        .expect("report")
        .contains("internal error in thread 'py-thread-1'"));
}

/// The binary exits with the internal-error status, not 0 and not a signal.
#[test]
fn binary_exits_non_zero_after_a_panic() {
    let dir = std::env::temp_dir().join(format!("pyrt-safety-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let prog = dir.join("panic.py");
    std::fs::write(&prog, "import sys\nsys._pyrt_panic()\n").expect("write");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_pyrt"))
        .arg(&prog)
        .output()
        .expect("run pyrt");
    assert_eq!(out.status.code(), Some(INTERNAL_ERROR_STATUS));
    assert!(String::from_utf8_lossy(&out.stderr).contains("pyrt: internal error"));
    let _ = std::fs::remove_dir_all(&dir);
}

/// Native recursion (repr, ==) past the limit on a `threading.Thread` stack.
#[test]
fn deep_native_recursion_in_thread_is_a_recursion_error() {
    let src = r#"
import threading
out = []
def work():
    x = []
    for i in range(100000):
        x = [x]
    for f in (repr, lambda v: v == [x]):
        try:
            f(x)
        except RecursionError as e:
            out.append(str(e))
t = threading.Thread(target=work)
t.start()
t.join()
print(out)
"#;
    let r = run(src);
    assert_eq!(r.error, None);
    assert_eq!(
        r.stdout,
        "['maximum recursion depth exceeded while getting the repr of an object', \
         'maximum recursion depth exceeded in comparison']\n"
    );
}
