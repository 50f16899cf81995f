//! Disassemble a Python file with the interp compiler: `cargo run --example pydis -- file.py`.

fn main() {
    let path = std::env::args().nth(1).expect("usage: pydis FILE.py");
    let src = std::fs::read_to_string(&path).expect("read source");
    match gc_vm_adapter::interp::compile(&src, &path) {
        Ok(code) => print!("{}", gc_vm_adapter::interp::disassemble(&code)),
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    }
}
