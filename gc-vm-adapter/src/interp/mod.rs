//! Front end of the reference interpreter (docs below are expanded later).

pub mod bytecode;
mod compiler;
pub mod error;

pub use bytecode::{
    disassemble, BinOp, CmpOp, CodeKind, CodeObject, Constant, Conversion, Instr,
    MakeFunctionFlags, UnaryOp,
};
pub use compiler::compile;
pub use error::{CompileError, CompileErrorKind};
