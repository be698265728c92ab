//! Hand-assembled modules for what a compiler would not emit: foreign imports, a 4 GiB memory
//! declaration, junk, text.

use super::{TaskDirs, run_module, sandbox, test_limits};
use confide_sandbox::{AppEnv, Sandbox, SandboxConfig, SandboxError};

fn leb128(mut value: u32, out: &mut Vec<u8>) {
    loop {
        let byte = (value & 0x7f) as u8;
        value >>= 7;
        if value == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

fn name(text: &str, out: &mut Vec<u8>) {
    leb128(text.len() as u32, out);
    out.extend_from_slice(text.as_bytes());
}

fn section(id: u8, content: Vec<u8>, out: &mut Vec<u8>) {
    out.push(id);
    leb128(content.len() as u32, out);
    out.extend(content);
}

/// A WASI-command-shaped module: `imports` (functions `() -> ()`), one memory of
/// `memory_pages`, and `_start` with `body` (instructions, without the final `end`).
fn module(imports: &[(&str, &str)], memory_pages: u32, body: &[u8]) -> Vec<u8> {
    let mut wasm = b"\0asm\x01\0\0\0".to_vec();
    section(1, vec![1, 0x60, 0, 0], &mut wasm);
    let mut import_section = Vec::new();
    leb128(imports.len() as u32, &mut import_section);
    for (module, field) in imports {
        name(module, &mut import_section);
        name(field, &mut import_section);
        import_section.extend([0, 0]);
    }
    section(2, import_section, &mut wasm);
    section(3, vec![1, 0], &mut wasm);
    let mut memory = vec![1, 0];
    leb128(memory_pages, &mut memory);
    section(5, memory, &mut wasm);
    let mut exports = vec![2];
    name("_start", &mut exports);
    exports.push(0);
    leb128(imports.len() as u32, &mut exports);
    name("memory", &mut exports);
    exports.extend([2, 0]);
    section(7, exports, &mut wasm);
    let mut code = vec![0];
    code.extend_from_slice(body);
    code.push(0x0b);
    let mut code_section = vec![1];
    leb128(code.len() as u32, &mut code_section);
    code_section.extend(code);
    section(10, code_section, &mut wasm);
    wasm
}

#[test]
fn a_minimal_module_runs_to_missing_computed_json() {
    let module = sandbox().load(&module(&[], 1, &[])).unwrap();
    let result = run_module(
        &module,
        &[],
        AppEnv::default(),
        &TaskDirs::new(),
        test_limits(),
    );
    assert!(
        matches!(result, Err(SandboxError::MissingComputedJson)),
        "{result:?}"
    );
}

#[test]
fn foreign_imports_are_refused() {
    for (module_name, field) in [("env", "f"), ("wasi_snapshot_preview1", "not_a_wasi_call")] {
        match sandbox().load(&module(&[(module_name, field)], 1, &[])) {
            Err(SandboxError::ForbiddenImport { module, name }) => {
                assert_eq!((module.as_str(), name.as_str()), (module_name, field));
            }
            other => panic!("expected a forbidden import, got {other:?}"),
        }
    }
    // A real WASI call with the wrong signature does not link.
    let wrong_signature = module(&[("wasi_snapshot_preview1", "sched_yield")], 1, &[]);
    match sandbox().load(&wrong_signature) {
        Err(SandboxError::InvalidModule { message }) => assert!(message.contains("sched_yield")),
        other => panic!("expected an invalid module, got {other:?}"),
    }
}

#[test]
fn a_four_gigabyte_memory_declaration_is_out_of_memory() {
    let module = sandbox().load(&module(&[], 65536, &[])).unwrap();
    match run_module(
        &module,
        &[],
        AppEnv::default(),
        &TaskDirs::new(),
        test_limits(),
    ) {
        Err(SandboxError::OutOfMemory { limit, requested }) => {
            assert_eq!(limit, 64 << 20);
            assert_eq!(requested, 4 << 30);
        }
        other => panic!("expected out of memory, got {other:?}"),
    }
}

#[test]
fn unreachable_is_a_trap() {
    let module = sandbox().load(&module(&[], 1, &[0x00])).unwrap();
    match run_module(
        &module,
        &[],
        AppEnv::default(),
        &TaskDirs::new(),
        test_limits(),
    ) {
        Err(SandboxError::Trap { message, .. }) => assert!(message.contains("unreachable")),
        other => panic!("expected a trap, got {other:?}"),
    }
}

#[test]
fn junk_text_and_oversized_modules_are_refused() {
    assert!(matches!(
        sandbox().load(b"hello, world"),
        Err(SandboxError::NotWasm)
    ));
    assert!(matches!(
        sandbox().load(b"(module (func (export \"_start\")))"),
        Err(SandboxError::NotWasm)
    ));
    let mut truncated = module(&[], 1, &[]);
    truncated.truncate(truncated.len() - 3);
    assert!(matches!(
        sandbox().load(&truncated),
        Err(SandboxError::InvalidModule { .. })
    ));
    let no_start = b"\0asm\x01\0\0\0".to_vec();
    assert!(matches!(
        sandbox().load(&no_start),
        Err(SandboxError::MissingExport { name: "_start" })
    ));
    let small = Sandbox::new(SandboxConfig {
        max_module_bytes: 16,
        ..SandboxConfig::default()
    })
    .unwrap();
    let wasm = module(&[], 1, &[]);
    match small.load(&wasm) {
        Err(SandboxError::ModuleTooLarge { limit, got }) => {
            assert_eq!((limit, got), (16, wasm.len() as u64));
        }
        other => panic!("expected a module too large, got {other:?}"),
    }
}
