//! The engine, its epoch ticker, the module cache and [`Sandbox::run`].

use crate::clock::{Determinism, GuestClocks, seeded_random};
use crate::env::{AppEnv, IEXEC_IN, IEXEC_OUT};
use crate::error::SandboxError;
use crate::guard::{Originals, add_guards, shim_module};
use crate::limits::{Limits, MemoryLimiter};
use crate::module::{AppModule, Measurement, WASI_MODULE, check_bytes, check_interface};
use crate::run::{
    OutputAccount, RunOutcome, RunState, Stop, Tail, count_entries, measure_output,
    read_computed_json,
};
use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};
use wasmtime::{Engine, Linker, Store, Trap};
use wasmtime_wasi::{FsPerms, I32Exit, WasiCtxBuilder};

/// The sandbox's own settings (per-run limits are in [`Limits`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SandboxConfig {
    /// Largest module accepted, bytes.
    pub max_module_bytes: u64,
    /// How often the epoch advances: the resolution of wall-time limits.
    pub epoch_tick: Duration,
    /// Compiled modules kept, by measurement.
    pub module_cache_entries: usize,
}

impl Default for SandboxConfig {
    /// 64 MiB modules, a 10 ms tick, 16 cached modules.
    fn default() -> Self {
        Self {
            max_module_bytes: 64 << 20,
            epoch_tick: Duration::from_millis(10),
            module_cache_entries: 16,
        }
    }
}

/// One iApp run: which module, with what, where, within which limits.
#[derive(Debug, Clone)]
pub struct AppRun<'a> {
    /// The app (from [`Sandbox::load`]).
    pub module: &'a AppModule,
    /// Arguments after the program name (the deal's `iexec_args`, split).
    pub args: Vec<String>,
    /// The task's facts and secrets.
    pub env: AppEnv,
    /// Host directory seen read-only as `/iexec_in`.
    pub input_dir: PathBuf,
    /// Host directory seen read-write as `/iexec_out`.
    pub output_dir: PathBuf,
    /// What the run may use.
    pub limits: Limits,
    /// Reproducible random bytes and clocks (replicated tasks), or the host's (`None`).
    pub determinism: Option<Determinism>,
}

/// Runs `wasm32-wasip1` iApps. One engine (with a thread advancing its epoch) and one cache of
/// compiled modules are shared by every run; each run gets a fresh store and instance.
pub struct Sandbox {
    engine: Engine,
    /// wasmtime-wasi's functions, plain: where the guards find the originals.
    wasi_linker: Linker<RunState>,
    /// The same with the guarded calls shadowed: what modules are linked against.
    linker: Linker<RunState>,
    /// Every function name the linker provides in `wasi_snapshot_preview1`.
    provided: HashSet<String>,
    /// The guards' way to wasmtime-wasi (see [`crate::guard::shim_module`]).
    shim: wasmtime::Module,
    cache: Mutex<HashMap<Measurement, Arc<AppModule>>>,
    config: SandboxConfig,
    _ticker: Ticker,
}

impl std::fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sandbox")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

/// Advances the engine's epoch every tick until dropped.
struct Ticker {
    stop: Option<mpsc::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Ticker {
    fn start(engine: Engine, tick: Duration) -> Result<Self, SandboxError> {
        let (stop, stopped) = mpsc::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("sandbox-epoch".into())
            .spawn(move || {
                while let Err(mpsc::RecvTimeoutError::Timeout) = stopped.recv_timeout(tick) {
                    engine.increment_epoch();
                }
            })
            .map_err(SandboxError::host)?;
        Ok(Self {
            stop: Some(stop),
            thread: Some(thread),
        })
    }
}

impl Drop for Ticker {
    fn drop(&mut self) {
        // Dropping the sender wakes the thread with `Disconnected`.
        drop(self.stop.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn empty_state() -> RunState {
    RunState {
        wasi: WasiCtxBuilder::new().build_p1(),
        memory: MemoryLimiter {
            limit: 0,
            refused: None,
        },
        output: OutputAccount {
            dir: PathBuf::new(),
            written: 0,
            byte_limit: 0,
            entries: 0,
            entry_limit: 0,
        },
        stdout: Tail::new(0),
        stderr: Tail::new(0),
        originals: None,
        deadline: Instant::now(),
        clocks: GuestClocks::host(Instant::now()),
        stop: None,
    }
}

impl Sandbox {
    /// An engine with epoch interruption, its ticker, and the WASI linkers.
    ///
    /// Every run canonicalizes NaNs (an engine-wide code-generation setting): a float result
    /// then has the same bits on every host, which [`Determinism`] needs, at the cost of a
    /// compare-and-select after float operations.
    pub fn new(config: SandboxConfig) -> Result<Self, SandboxError> {
        let mut engine_config = wasmtime::Config::new();
        engine_config.epoch_interruption(true);
        engine_config.cranelift_nan_canonicalization(true);
        let engine = Engine::new(&engine_config).map_err(SandboxError::host)?;

        let mut wasi_linker = Linker::new(&engine);
        wasmtime_wasi::p1::add_to_linker_sync(&mut wasi_linker, |state: &mut RunState| {
            &mut state.wasi
        })
        .map_err(SandboxError::host)?;
        let mut linker = wasi_linker.clone();
        linker.allow_shadowing(true);
        add_guards(&mut linker).map_err(SandboxError::host)?;

        let mut store = Store::new(&engine, empty_state());
        let provided = linker
            .iter(&mut store)
            .filter(|(module, _, _)| *module == WASI_MODULE)
            .map(|(_, name, _)| name.to_owned())
            .collect();

        let shim =
            wasmtime::Module::from_binary(&engine, &shim_module()).map_err(SandboxError::host)?;
        let ticker = Ticker::start(engine.clone(), config.epoch_tick)?;
        Ok(Self {
            shim,
            engine,
            wasi_linker,
            linker,
            provided,
            cache: Mutex::new(HashMap::new()),
            config,
            _ticker: ticker,
        })
    }

    /// Checks and compiles a module, or returns the cached one with the same measurement.
    pub fn load(&self, wasm: &[u8]) -> Result<Arc<AppModule>, SandboxError> {
        check_bytes(wasm, self.config.max_module_bytes)?;
        let measurement = Measurement::of(wasm);
        if let Some(module) = self.cache_lock().get(&measurement) {
            return Ok(Arc::clone(module));
        }
        let module = wasmtime::Module::from_binary(&self.engine, wasm).map_err(|error| {
            SandboxError::InvalidModule {
                message: format!("{error:#}"),
            }
        })?;
        check_interface(&module)?;
        if let Some(import) = module
            .imports()
            .find(|import| !self.provided.contains(import.name()))
        {
            return Err(SandboxError::ForbiddenImport {
                module: import.module().to_owned(),
                name: import.name().to_owned(),
            });
        }
        let instance_pre =
            self.linker
                .instantiate_pre(&module)
                .map_err(|error| SandboxError::InvalidModule {
                    message: format!("{error:#}"),
                })?;
        let module = Arc::new(AppModule {
            measurement,
            size: wasm.len() as u64,
            instance_pre,
        });
        let mut cache = self.cache_lock();
        if cache.len() >= self.config.module_cache_entries
            && let Some(evicted) = cache.keys().next().copied()
        {
            cache.remove(&evicted);
        }
        if self.config.module_cache_entries > 0 {
            cache.insert(measurement, Arc::clone(&module));
        }
        Ok(module)
    }

    fn cache_lock(&self) -> std::sync::MutexGuard<'_, HashMap<Measurement, Arc<AppModule>>> {
        // A panic while holding the lock cannot leave the map inconsistent.
        self.cache
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Runs the app to its exit (blocking the calling thread) and checks its output.
    ///
    /// From async code, call it on a blocking thread (`tokio::task::spawn_blocking`):
    /// wasmtime-wasi's synchronous calls may enter a tokio runtime of their own.
    pub fn run(&self, app: &AppRun<'_>) -> Result<RunOutcome, SandboxError> {
        for (what, dir) in [
            ("the input directory", &app.input_dir),
            ("the output directory", &app.output_dir),
        ] {
            let metadata = std::fs::metadata(dir).map_err(|source| SandboxError::Io {
                what,
                path: dir.clone(),
                source,
            })?;
            if !metadata.is_dir() {
                return Err(SandboxError::Io {
                    what,
                    path: dir.clone(),
                    source: std::io::Error::other("not a directory"),
                });
            }
        }
        let limits = &app.limits;
        let mut wasi = WasiCtxBuilder::new();
        wasi.allow_blocking_current_thread(true)
            .allow_tcp(false)
            .allow_udp(false)
            .allow_ip_name_lookup(false)
            .arg("app")
            .args(&app.args)
            .envs(&app.env.variables());
        wasi.preopened_dir(&app.input_dir, IEXEC_IN, FsPerms::ReadOnly)
            .map_err(|error| SandboxError::Io {
                what: "opening the input directory",
                path: app.input_dir.clone(),
                source: std::io::Error::other(error.to_string()),
            })?;
        wasi.preopened_dir(&app.output_dir, IEXEC_OUT, FsPerms::ReadWrite)
            .map_err(|error| SandboxError::Io {
                what: "opening the output directory",
                path: app.output_dir.clone(),
                source: std::io::Error::other(error.to_string()),
            })?;

        let started = Instant::now();
        let clocks = match &app.determinism {
            None => GuestClocks::host(started),
            Some(determinism) => {
                wasi.secure_random(seeded_random(determinism.random_seed))
                    .insecure_random(seeded_random(determinism.random_seed))
                    .insecure_random_seed(u128::from_le_bytes(
                        determinism.random_seed[..16].try_into().unwrap_or_default(),
                    ));
                GuestClocks::virtual_from(determinism.wall_clock)
            }
        };
        wasi.monotonic_clock(clocks.monotonic());
        if let Some(wall) = clocks.wall() {
            wasi.wall_clock(wall);
        }
        let state = RunState {
            wasi: wasi.build_p1(),
            memory: MemoryLimiter {
                limit: limits.memory_bytes,
                refused: None,
            },
            output: OutputAccount {
                dir: app.output_dir.clone(),
                written: 0,
                byte_limit: limits.output_bytes,
                entries: count_entries(&app.output_dir, u64::MAX),
                entry_limit: limits.output_files,
            },
            stdout: Tail::new(limits.stdio_tail_bytes),
            stderr: Tail::new(limits.stdio_tail_bytes),
            originals: None,
            deadline: started + limits.wall_time,
            clocks,
            stop: None,
        };
        let mut store = Store::new(&self.engine, state);
        store.limiter(|state| &mut state.memory);
        let tick = self.config.epoch_tick.as_nanos().max(1);
        let ticks = limits.wall_time.as_nanos().div_ceil(tick) + 1;
        store.set_epoch_deadline(u64::try_from(ticks).unwrap_or(u64::MAX));
        store.epoch_deadline_trap();

        tracing::debug!(measurement = %app.module.measurement, "running an iApp");
        let result = app
            .module
            .instance_pre
            .instantiate(&mut store)
            .and_then(|instance| {
                let memory = instance
                    .get_memory(&mut store, "memory")
                    .ok_or_else(|| wasmtime::format_err!("the app exports no memory"))?;
                let originals = Originals::link(&self.shim, &self.wasi_linker, &mut store, memory)?;
                store.data_mut().originals = Some(originals);
                instance.get_typed_func::<(), ()>(&mut store, "_start")
            })
            .and_then(|start| start.call(&mut store, ()));
        let wall_time = started.elapsed();
        let exit_code = match result {
            Ok(()) => 0,
            Err(error) => match error.downcast_ref::<I32Exit>() {
                Some(I32Exit(code)) => *code,
                None => return Err(failure(&store, limits, &error)),
            },
        };
        let state = store.data();
        if exit_code != 0 {
            if let Some(requested) = state.memory.refused {
                return Err(SandboxError::OutOfMemory {
                    limit: limits.memory_bytes,
                    requested,
                });
            }
            return Err(SandboxError::NonZeroExit {
                code: exit_code,
                stderr_tail: state.stderr.text(),
            });
        }

        let (output_bytes, output_files) = measure_output(&app.output_dir)?;
        if output_files > limits.output_files {
            return Err(SandboxError::TooManyFiles {
                limit: limits.output_files,
                got: output_files,
            });
        }
        if output_bytes > limits.output_bytes {
            return Err(SandboxError::OutputTooLarge {
                limit: limits.output_bytes,
                got: output_bytes,
            });
        }
        let computed = read_computed_json(&app.output_dir)?;
        Ok(RunOutcome {
            measurement: app.module.measurement,
            exit_code,
            computed,
            output_bytes,
            output_files,
            wall_time,
            stdout_tail: state.stdout.text(),
            stderr_tail: state.stderr.text(),
        })
    }
}

/// Names why a run ended without an exit: a guard's stop first, then the epoch deadline, then
/// refused memory, then whatever trapped.
fn failure(store: &Store<RunState>, limits: &Limits, error: &wasmtime::Error) -> SandboxError {
    let state = store.data();
    match state.stop {
        Some(Stop::OutputTooLarge { got }) => {
            return SandboxError::OutputTooLarge {
                limit: limits.output_bytes,
                got,
            };
        }
        Some(Stop::TooManyFiles { got }) => {
            return SandboxError::TooManyFiles {
                limit: limits.output_files,
                got,
            };
        }
        Some(Stop::Timeout) => {
            return SandboxError::Timeout {
                after: limits.wall_time,
            };
        }
        None => {}
    }
    if error.downcast_ref::<Trap>() == Some(&Trap::Interrupt) {
        return SandboxError::Timeout {
            after: limits.wall_time,
        };
    }
    if let Some(requested) = state.memory.refused {
        return SandboxError::OutOfMemory {
            limit: limits.memory_bytes,
            requested,
        };
    }
    // The trap's own words (its wasm backtrace has no names: modules are not symbolized).
    let message = match error.downcast_ref::<Trap>() {
        Some(trap) => trap.to_string(),
        None => format!("{error:#}"),
    };
    SandboxError::Trap {
        message,
        stderr_tail: state.stderr.text(),
    }
}
