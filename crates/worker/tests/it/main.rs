//! confide-worker against a real dev chain (on 127.0.0.1), a real SMS in dev mode trusting a
//! simulated enclave, a local content-addressed store and the sandbox running the example iApps
//! (`apps/dist/hello.wasm`, `apps/dist/stats.wasm`).
#![allow(clippy::unwrap_used, clippy::panic, unreachable_pub)]

mod apps;
mod failures;
mod inputs;
mod replicated;
mod tee;
mod world;
