//! The sandbox's own definitions of the WASI calls through which a guest could exceed its
//! limits or reach the host's stdio. Each wraps wasmtime-wasi's implementation (fetched from an
//! unshadowed linker into the store, [`Originals`]) and accounts before or after calling it:
//!
//! - bytes: every `fd_write`/`fd_pwrite` is charged what it asks to write *before* it reaches
//!   the disk, so the output directory never holds more written bytes than the limit; calls
//!   that set a size (`fd_filestat_set_size`, `fd_allocate`, `fd_pwrite` at an offset) are
//!   refused above the limit. Sparse files made by seeking are caught by the check after the
//!   run (they take no disk space meanwhile).
//! - entries: each successful create (`path_open` with `O_CREAT`, `path_create_directory`,
//!   `path_symlink`) counts one; past the limit the directory is counted for real (re-opening
//!   an existing file with `O_CREAT` creates nothing), so a guest stops at limit + 1 entries.
//!   `path_link` is refused: hard links would let an app alias inputs into its output.
//! - stdout/stderr: captured into bounded tails; fds 0-2 cannot be renumbered.
//! - time: a `poll_oneoff` (sleep) that would outlast the remaining wall time is not entered
//!   (the guard sleeps the remaining time and stops the guest): epoch interruption cannot stop
//!   a guest blocked inside a host call.
//!
//! Over a limit, the wrapper records why in [`RunState::stop`] and traps: the guest gets no
//! chance to continue.

use crate::clock::GuestClocks;
use crate::module::WASI_MODULE;
use crate::run::{RunState, Stop, count_entries};
use std::time::{Duration, Instant};
use wasmtime::{Caller, Extern, Instance, Linker, Memory, Module, Store, TypedFunc};

const ERRNO_SUCCESS: i32 = 0;
const ERRNO_FAULT: i32 = 21;
const ERRNO_NOTSUP: i32 = 58;
const OFLAGS_CREAT: i32 = 1;
/// Larger vectors are left to wasmtime-wasi (which bounds them itself).
const MAX_IOVECS: u32 = 1024;
const MAX_SUBSCRIPTIONS: u32 = 4096;
const SUBSCRIPTION_SIZE: usize = 48;

/// The wrapped calls that reach wasmtime-wasi's implementation, with their signatures
/// (`true` = i64 parameter; every result is one i32 errno).
const FORWARDED: [(&str, &[bool]); 9] = [
    ("fd_write", &[false; 4]),
    ("fd_pwrite", &[false, false, false, true, false]),
    ("fd_filestat_set_size", &[false, true]),
    ("fd_allocate", &[false, true, true]),
    ("fd_renumber", &[false; 2]),
    (
        "path_open",
        &[false, false, false, false, false, true, true, false, false],
    ),
    ("path_create_directory", &[false; 3]),
    ("path_symlink", &[false; 5]),
    ("poll_oneoff", &[false; 4]),
];

/// A tiny wasm module through which the guards reach wasmtime-wasi's implementations.
///
/// wasmtime-wasi's functions find the guest's memory as the `memory` export of the instance
/// that calls them; a call made from a host function has no such instance. So the originals
/// are called through this shim: it imports the app's memory and the originals, and exports
/// the memory again and one forwarding function per original (`local.get`s, `call`).
pub(crate) fn shim_module() -> Vec<u8> {
    use wasm_encoder::{
        CodeSection, EntityType, ExportKind, ExportSection, Function, FunctionSection,
        ImportSection, MemoryType, Module, TypeSection, ValType,
    };
    let count = FORWARDED.len() as u32;
    let mut types = TypeSection::new();
    let mut imports = ImportSection::new();
    let mut functions = FunctionSection::new();
    let mut exports = ExportSection::new();
    let mut code = CodeSection::new();
    imports.import(
        "app",
        "memory",
        MemoryType {
            minimum: 0,
            maximum: None,
            memory64: false,
            shared: false,
            page_size_log2: None,
        },
    );
    exports.export("memory", ExportKind::Memory, 0);
    for (index, (field, params)) in (0u32..).zip(FORWARDED) {
        let params = params
            .iter()
            .map(|wide| if *wide { ValType::I64 } else { ValType::I32 });
        types.ty().function(params, [ValType::I32]);
        // Imported originals are functions 0..count; the forwarders count..2 × count.
        imports.import("wasi", field, EntityType::Function(index));
        functions.function(index);
        exports.export(field, ExportKind::Func, count + index);
        let mut body = Function::new([]);
        let mut instructions = body.instructions();
        for param in 0..FORWARDED[index as usize].1.len() as u32 {
            instructions.local_get(param);
        }
        instructions.call(index).end();
        code.function(&body);
    }
    let mut module = Module::new();
    module
        .section(&types)
        .section(&imports)
        .section(&functions)
        .section(&exports)
        .section(&code);
    module.finish()
}

/// wasmtime-wasi's implementations of the wrapped calls, as exported by the run's shim.
#[derive(Clone)]
pub(crate) struct Originals {
    fd_write: TypedFunc<(i32, i32, i32, i32), i32>,
    fd_pwrite: TypedFunc<(i32, i32, i32, i64, i32), i32>,
    fd_filestat_set_size: TypedFunc<(i32, i64), i32>,
    fd_allocate: TypedFunc<(i32, i64, i64), i32>,
    fd_renumber: TypedFunc<(i32, i32), i32>,
    #[allow(clippy::type_complexity)]
    path_open: TypedFunc<(i32, i32, i32, i32, i32, i64, i64, i32, i32), i32>,
    path_create_directory: TypedFunc<(i32, i32, i32), i32>,
    path_symlink: TypedFunc<(i32, i32, i32, i32, i32), i32>,
    poll_oneoff: TypedFunc<(i32, i32, i32, i32), i32>,
}

impl Originals {
    /// Instantiates the shim over the app's memory in `store`.
    pub(crate) fn link(
        shim: &Module,
        wasi_linker: &Linker<RunState>,
        store: &mut Store<RunState>,
        app_memory: Memory,
    ) -> wasmtime::Result<Self> {
        let mut imports: Vec<Extern> = vec![app_memory.into()];
        for (name, _) in FORWARDED {
            imports.push(wasi_linker.get(&mut *store, WASI_MODULE, name)?);
        }
        let instance = Instance::new(&mut *store, shim, &imports)?;
        Ok(Self {
            fd_write: instance.get_typed_func(&mut *store, "fd_write")?,
            fd_pwrite: instance.get_typed_func(&mut *store, "fd_pwrite")?,
            fd_filestat_set_size: instance.get_typed_func(&mut *store, "fd_filestat_set_size")?,
            fd_allocate: instance.get_typed_func(&mut *store, "fd_allocate")?,
            fd_renumber: instance.get_typed_func(&mut *store, "fd_renumber")?,
            path_open: instance.get_typed_func(&mut *store, "path_open")?,
            path_create_directory: instance.get_typed_func(&mut *store, "path_create_directory")?,
            path_symlink: instance.get_typed_func(&mut *store, "path_symlink")?,
            poll_oneoff: instance.get_typed_func(&mut *store, "poll_oneoff")?,
        })
    }
}

fn originals(caller: &Caller<'_, RunState>) -> wasmtime::Result<Originals> {
    caller
        .data()
        .originals
        .clone()
        .ok_or_else(|| wasmtime::format_err!("the sandbox's WASI originals are not set"))
}

fn stop(caller: &mut Caller<'_, RunState>, why: Stop) -> wasmtime::Error {
    let message = format!("stopped by the sandbox: {why:?}");
    caller.data_mut().stop.get_or_insert(why);
    wasmtime::Error::msg(message)
}

fn memory(caller: &mut Caller<'_, RunState>) -> Option<Memory> {
    caller.get_export("memory").and_then(Extern::into_memory)
}

fn read_u32(bytes: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(bytes.get(at..at + 4)?.try_into().ok()?))
}

fn read_u64(bytes: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(bytes.get(at..at + 8)?.try_into().ok()?))
}

/// The (pointer, length) pairs of an iovec array, if it lies in memory.
fn iovecs(bytes: &[u8], iovs: i32, count: i32) -> Option<Vec<(usize, usize)>> {
    let count = u32::try_from(count).ok().filter(|n| *n <= MAX_IOVECS)?;
    let base = iovs as u32 as usize;
    (0..count as usize)
        .map(|index| {
            let at = base.checked_add(index * 8)?;
            Some((
                read_u32(bytes, at)? as usize,
                read_u32(bytes, at + 4)? as usize,
            ))
        })
        .collect()
}

/// Bytes a write asks to write (0 if its vector is unreadable: wasmtime-wasi then fails it).
fn requested_bytes(caller: &mut Caller<'_, RunState>, iovs: i32, count: i32) -> u64 {
    let Some(memory) = memory(caller) else {
        return 0;
    };
    iovecs(memory.data(&*caller), iovs, count)
        .map_or(0, |vecs| vecs.iter().map(|(_, len)| *len as u64).sum())
}

fn charge_bytes(caller: &mut Caller<'_, RunState>, bytes: u64) -> wasmtime::Result<()> {
    let output = &mut caller.data_mut().output;
    output.written = output.written.saturating_add(bytes);
    if output.written > output.byte_limit {
        let got = output.written;
        return Err(stop(caller, Stop::OutputTooLarge { got }));
    }
    Ok(())
}

fn check_size(caller: &mut Caller<'_, RunState>, size: u64) -> wasmtime::Result<()> {
    if size > caller.data().output.byte_limit {
        return Err(stop(caller, Stop::OutputTooLarge { got: size }));
    }
    Ok(())
}

fn entry_created(caller: &mut Caller<'_, RunState>) -> wasmtime::Result<()> {
    let output = &mut caller.data_mut().output;
    output.entries += 1;
    if output.entries > output.entry_limit {
        // An estimate over the limit: count what is really there (stopping just past it).
        output.entries = count_entries(&output.dir, output.entry_limit + 1);
        if output.entries > output.entry_limit {
            let got = output.entries;
            return Err(stop(caller, Stop::TooManyFiles { got }));
        }
    }
    Ok(())
}

/// `errno`, after counting the entry a successful call `created`.
fn counted(caller: &mut Caller<'_, RunState>, errno: i32, created: bool) -> wasmtime::Result<i32> {
    if errno == ERRNO_SUCCESS && created {
        entry_created(caller)?;
    }
    Ok(errno)
}

/// Writes to stdout (1) and stderr (2) go to the run's bounded tails, nowhere else.
fn capture_stdio(
    caller: &mut Caller<'_, RunState>,
    fd: i32,
    iovs: i32,
    count: i32,
    nwritten: i32,
) -> i32 {
    let Some(memory) = memory(caller) else {
        return ERRNO_FAULT;
    };
    let (bytes, state) = memory.data_and_store_mut(&mut *caller);
    let Some(vecs) = iovecs(bytes, iovs, count) else {
        return ERRNO_FAULT;
    };
    let tail = if fd == 1 {
        &mut state.stdout
    } else {
        &mut state.stderr
    };
    let mut total = 0u32;
    for (ptr, len) in vecs {
        let Some(chunk) = ptr.checked_add(len).and_then(|end| bytes.get(ptr..end)) else {
            return ERRNO_FAULT;
        };
        tail.push(chunk);
        total = total.saturating_add(len as u32);
    }
    let at = nwritten as u32 as usize;
    match bytes.get_mut(at..at + 4) {
        Some(slot) => {
            slot.copy_from_slice(&total.to_le_bytes());
            ERRNO_SUCCESS
        }
        None => ERRNO_FAULT,
    }
}

/// How long a `poll_oneoff` may block: until its earliest clock subscription fires
/// (relative, or absolute on the run's realtime or monotonic clock). `None` when it has no clock subscription (it then returns at once: files
/// are always ready and stdin is closed) or its subscriptions are unreadable.
fn longest_wait(
    bytes: &[u8],
    subscriptions: i32,
    count: i32,
    clocks: &GuestClocks,
) -> Option<Duration> {
    const REALTIME: u32 = 0;
    const MONOTONIC: u32 = 1;
    let count = u32::try_from(count)
        .ok()
        .filter(|n| *n <= MAX_SUBSCRIPTIONS)?;
    let base = subscriptions as u32 as usize;
    let mut shortest: Option<Duration> = None;
    for index in 0..count as usize {
        let at = base.checked_add(index * SUBSCRIPTION_SIZE)?;
        // Tag 0 is a clock: id, timeout (ns), precision, flags (bit 0: absolute).
        if *bytes.get(at + 8)? != 0 {
            continue;
        }
        let id = read_u32(bytes, at + 16)?;
        let timeout = Duration::from_nanos(read_u64(bytes, at + 24)?);
        let absolute = u16::from_le_bytes(bytes.get(at + 40..at + 42)?.try_into().ok()?) & 1 == 1;
        let wait = match (absolute, id) {
            (false, _) => timeout,
            (true, MONOTONIC) => timeout.saturating_sub(clocks.monotonic_peek()),
            (true, REALTIME) => timeout.saturating_sub(clocks.wall_peek()),
            // Other clocks are refused by wasmtime-wasi.
            (true, _) => continue,
        };
        shortest = Some(shortest.map_or(wait, |seen| seen.min(wait)));
    }
    shortest
}

/// Replaces the guarded calls in `linker` (which must allow shadowing).
pub(crate) fn add_guards(linker: &mut Linker<RunState>) -> wasmtime::Result<()> {
    linker.func_wrap(
        WASI_MODULE,
        "fd_write",
        |mut caller: Caller<'_, RunState>, fd: i32, iovs: i32, count: i32, nwritten: i32| {
            if fd == 1 || fd == 2 {
                return Ok(capture_stdio(&mut caller, fd, iovs, count, nwritten));
            }
            let requested = requested_bytes(&mut caller, iovs, count);
            charge_bytes(&mut caller, requested)?;
            let original = originals(&caller)?.fd_write;
            original.call(&mut caller, (fd, iovs, count, nwritten))
        },
    )?;
    linker.func_wrap(
        WASI_MODULE,
        "fd_pwrite",
        |mut caller: Caller<'_, RunState>,
         fd: i32,
         iovs: i32,
         count: i32,
         offset: i64,
         nwritten: i32| {
            let requested = requested_bytes(&mut caller, iovs, count);
            check_size(&mut caller, (offset as u64).saturating_add(requested))?;
            charge_bytes(&mut caller, requested)?;
            let original = originals(&caller)?.fd_pwrite;
            original.call(&mut caller, (fd, iovs, count, offset, nwritten))
        },
    )?;
    linker.func_wrap(
        WASI_MODULE,
        "fd_filestat_set_size",
        |mut caller: Caller<'_, RunState>, fd: i32, size: i64| {
            check_size(&mut caller, size as u64)?;
            let original = originals(&caller)?.fd_filestat_set_size;
            original.call(&mut caller, (fd, size))
        },
    )?;
    linker.func_wrap(
        WASI_MODULE,
        "fd_allocate",
        |mut caller: Caller<'_, RunState>, fd: i32, offset: i64, len: i64| {
            check_size(&mut caller, (offset as u64).saturating_add(len as u64))?;
            let original = originals(&caller)?.fd_allocate;
            original.call(&mut caller, (fd, offset, len))
        },
    )?;
    linker.func_wrap(
        WASI_MODULE,
        "fd_renumber",
        |mut caller: Caller<'_, RunState>, from: i32, to: i32| {
            if (0..=2).contains(&from) || (0..=2).contains(&to) {
                return Ok(ERRNO_NOTSUP);
            }
            let original = originals(&caller)?.fd_renumber;
            original.call(&mut caller, (from, to))
        },
    )?;
    linker.func_wrap(
        WASI_MODULE,
        "path_open",
        |mut caller: Caller<'_, RunState>,
         fd: i32,
         dirflags: i32,
         path: i32,
         path_len: i32,
         oflags: i32,
         rights_base: i64,
         rights_inheriting: i64,
         fdflags: i32,
         opened: i32| {
            let original = originals(&caller)?.path_open;
            let errno = original.call(
                &mut caller,
                (
                    fd,
                    dirflags,
                    path,
                    path_len,
                    oflags,
                    rights_base,
                    rights_inheriting,
                    fdflags,
                    opened,
                ),
            )?;
            counted(&mut caller, errno, oflags & OFLAGS_CREAT != 0)
        },
    )?;
    linker.func_wrap(
        WASI_MODULE,
        "path_create_directory",
        |mut caller: Caller<'_, RunState>, fd: i32, path: i32, path_len: i32| {
            let original = originals(&caller)?.path_create_directory;
            let errno = original.call(&mut caller, (fd, path, path_len))?;
            counted(&mut caller, errno, true)
        },
    )?;
    linker.func_wrap(
        WASI_MODULE,
        "path_symlink",
        |mut caller: Caller<'_, RunState>,
         old_path: i32,
         old_len: i32,
         fd: i32,
         new_path: i32,
         new_len: i32| {
            let original = originals(&caller)?.path_symlink;
            let errno = original.call(&mut caller, (old_path, old_len, fd, new_path, new_len))?;
            counted(&mut caller, errno, true)
        },
    )?;
    linker.func_wrap(
        WASI_MODULE,
        "path_link",
        |_: Caller<'_, RunState>, _: i32, _: i32, _: i32, _: i32, _: i32, _: i32, _: i32| {
            Ok(ERRNO_NOTSUP)
        },
    )?;
    linker.func_wrap(
        WASI_MODULE,
        "poll_oneoff",
        |mut caller: Caller<'_, RunState>, subs: i32, events: i32, count: i32, nevents: i32| {
            let clocks = caller.data().clocks.clone();
            let wait = memory(&mut caller)
                .and_then(|memory| longest_wait(memory.data(&caller), subs, count, &clocks));
            let remaining = caller
                .data()
                .deadline
                .saturating_duration_since(Instant::now());
            if wait.is_some_and(|wait| wait > remaining) {
                std::thread::sleep(remaining);
                return Err(stop(&mut caller, Stop::Timeout));
            }
            let original = originals(&caller)?.poll_oneoff;
            original.call(&mut caller, (subs, events, count, nevents))
        },
    )?;
    Ok(())
}
