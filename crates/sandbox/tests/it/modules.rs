//! Modules assembled here (wasm-encoder) for what a compiler would not emit: foreign imports,
//! a 4 GiB memory declaration, junk, text.

use super::{TaskDirs, run_module, sandbox, test_limits};
use confide_sandbox::{AppEnv, Sandbox, SandboxConfig, SandboxError};

/// A WASI-command-shaped module: `imports` (functions `() -> ()`), one memory of
/// `memory_pages`, and `_start` with `body` (raw instruction bytes, without the final `end`).
fn module(imports: &[(&str, &str)], memory_pages: u64, body: &[u8]) -> Vec<u8> {
    use wasm_encoder::{
        CodeSection, EntityType, ExportKind, ExportSection, Function, FunctionSection,
        ImportSection, MemorySection, MemoryType, Module, TypeSection,
    };
    let mut types = TypeSection::new();
    types.ty().function([], []);
    let mut import_section = ImportSection::new();
    for (module, field) in imports {
        import_section.import(module, field, EntityType::Function(0));
    }
    let mut functions = FunctionSection::new();
    functions.function(0);
    let mut memory = MemorySection::new();
    memory.memory(MemoryType {
        minimum: memory_pages,
        maximum: None,
        memory64: false,
        shared: false,
        page_size_log2: None,
    });
    let mut exports = ExportSection::new();
    exports.export("_start", ExportKind::Func, imports.len() as u32);
    exports.export("memory", ExportKind::Memory, 0);
    let mut start = Function::new([]);
    start.raw(body.iter().copied());
    start.instructions().end();
    let mut code = CodeSection::new();
    code.function(&start);
    let mut wasm = Module::new();
    wasm.section(&types)
        .section(&import_section)
        .section(&functions)
        .section(&memory)
        .section(&exports)
        .section(&code);
    wasm.finish()
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
