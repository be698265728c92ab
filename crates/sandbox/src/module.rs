//! Modules and their measurement.

use crate::error::SandboxError;
use sha2::{Digest, Sha256};
use std::fmt;

/// The import module every allowed import comes from.
pub const WASI_MODULE: &str = "wasi_snapshot_preview1";

/// SHA-256 of a module's bytes: the app's identity (what a deal names and an enclave attests).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Measurement(pub [u8; 32]);

impl Measurement {
    /// The measurement of `wasm`.
    pub fn of(wasm: &[u8]) -> Self {
        Self(Sha256::digest(wasm).into())
    }
}

impl fmt::Display for Measurement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("0x")?;
        self.0.iter().try_for_each(|byte| write!(f, "{byte:02x}"))
    }
}

impl fmt::Debug for Measurement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Measurement({self})")
    }
}

/// A compiled, checked iApp, ready to run any number of times (see [`crate::Sandbox::load`]).
pub struct AppModule {
    pub(crate) measurement: Measurement,
    pub(crate) size: u64,
    pub(crate) instance_pre: wasmtime::InstancePre<crate::run::RunState>,
}

impl AppModule {
    /// SHA-256 of the module's bytes.
    pub fn measurement(&self) -> Measurement {
        self.measurement
    }

    /// The module's size in bytes.
    pub fn size(&self) -> u64 {
        self.size
    }
}

impl fmt::Debug for AppModule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AppModule")
            .field("measurement", &self.measurement)
            .field("size", &self.size)
            .finish_non_exhaustive()
    }
}

/// Checks done before compiling: size and the binary header (so text and junk are refused
/// without reaching the compiler).
pub(crate) fn check_bytes(wasm: &[u8], max_module_bytes: u64) -> Result<(), SandboxError> {
    let got = wasm.len() as u64;
    if got > max_module_bytes {
        return Err(SandboxError::ModuleTooLarge {
            limit: max_module_bytes,
            got,
        });
    }
    if wasm.get(..8) != Some(b"\0asm\x01\0\0\0".as_slice()) {
        return Err(SandboxError::NotWasm);
    }
    Ok(())
}

/// Checks done on the compiled module: only WASI function imports, a `_start` and a memory.
pub(crate) fn check_interface(module: &wasmtime::Module) -> Result<(), SandboxError> {
    for import in module.imports() {
        let is_function = matches!(import.ty(), wasmtime::ExternType::Func(_));
        if import.module() != WASI_MODULE || !is_function {
            return Err(SandboxError::ForbiddenImport {
                module: import.module().to_owned(),
                name: import.name().to_owned(),
            });
        }
    }
    for (name, wanted) in [("_start", "func"), ("memory", "memory")] {
        let found = module.exports().any(|export| {
            export.name() == name
                && match export.ty() {
                    wasmtime::ExternType::Func(_) => wanted == "func",
                    wasmtime::ExternType::Memory(_) => wanted == "memory",
                    _ => false,
                }
        });
        if !found {
            return Err(SandboxError::MissingExport { name });
        }
    }
    Ok(())
}
