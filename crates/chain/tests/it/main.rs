//! Integration tests of confide-chain: the in-process EVM, the artifacts and bindings, and the
//! deployers (the reference PoCo from its npm package, Confide's contracts once they exist), the
//! dev chain.
#![allow(clippy::unwrap_used, clippy::print_stdout)]

mod artifacts;
mod client;
mod compare;
mod confide;
mod devchain;
mod differential;
mod escrow;
mod evm;
mod matching;
mod orders;
mod property;
mod reference;
mod rpc;
mod scenario;
mod storage;
mod support;
mod workload;
