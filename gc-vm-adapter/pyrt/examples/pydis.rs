//! Disassemble a Python file with the pyrt compiler: `cargo run -p pyrt --example pydis -- f.py`.

fn main() {
    let path = std::env::args().nth(1).expect("usage: pydis FILE.py");
    let src = std::fs::read_to_string(&path).expect("read source");
    match pyrt::compile(&src, &path) {
        Ok(code) => print!("{}", pyrt::disassemble(&code)),
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    }
}
