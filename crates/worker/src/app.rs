//! The app: located by its registry entry, fetched, measured against its on-chain checksum,
//! compiled by the sandbox.

use crate::error::{Failure, Step, join_failure};
use crate::fetch::Transfers;
use alloy_primitives::B256;
use confide_chain::artifacts::bindings::Types;
use confide_protocol::replicate::ReplicateCause;
use confide_sandbox::{AppModule, Sandbox, SandboxError};
use confide_storage::Location;
use std::sync::Arc;

/// A location as registries hold it: text (`/p2p/<cid>`, `/ipfs/<cid>`, `ipfs://<cid>`,
/// `https://…`, as iExec's tools write apps) or DataProtector's binary `/p2p/` multiaddr.
pub(crate) fn parse_location(bytes: &[u8]) -> Result<Location, String> {
    if let Ok(text) = std::str::from_utf8(bytes)
        && let Ok(location) = text.trim().parse::<Location>()
    {
        return Ok(location);
    }
    Location::from_bytes(bytes).map_err(|error| error.to_string())
}

/// A fetched, verified, compiled app.
#[derive(Debug)]
pub(crate) struct LoadedApp {
    pub(crate) module: Arc<AppModule>,
    /// The module's SHA-256, equal to the app's on-chain checksum (what the enclave attests).
    pub(crate) digest: B256,
}

/// Fetches the app of `info`, checks it is the module registered, compiles it.
pub(crate) async fn load(
    info: &Types::AppInfo,
    transfers: &Transfers,
    sandbox: &Arc<Sandbox>,
    max_bytes: u64,
) -> Step<LoadedApp> {
    let location = parse_location(&info.m_appMultiaddr).map_err(|error| {
        Failure::new(
            ReplicateCause::AppInvalid,
            format!("the app's multiaddr is not a location: {error}"),
        )
    })?;
    let (wasm, downloaded) = transfers
        .bytes(&location, max_bytes)
        .await
        .map_err(|error| {
            Failure::new(
                ReplicateCause::AppDownloadFailed,
                format!("fetching the app from {location}: {error}"),
            )
        })?;
    if downloaded.sha256 != info.m_appChecksum {
        return Err(Failure::new(
            ReplicateCause::AppChecksumMismatch,
            format!(
                "the module at {location} has SHA-256 {}, the app's on-chain checksum is {}",
                downloaded.sha256, info.m_appChecksum
            ),
        ));
    }
    let sandbox = Arc::clone(sandbox);
    // Compiling is CPU-bound: off the async threads.
    let module = tokio::task::spawn_blocking(move || sandbox.load(&wasm))
        .await
        .map_err(join_failure)?
        .map_err(|error| {
            let cause = match error {
                SandboxError::Host { .. } | SandboxError::Io { .. } => {
                    ReplicateCause::WorkerFailure
                }
                _ => ReplicateCause::AppInvalid,
            };
            Failure::new(cause, format!("loading the app: {error}"))
        })?;
    Ok(LoadedApp {
        module,
        digest: downloaded.sha256,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn locations_in_text_and_binary_forms() {
        let cid = "bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e";
        assert_eq!(
            parse_location(format!("/p2p/{cid}").as_bytes()).unwrap(),
            Location::Ipfs(cid.parse().unwrap())
        );
        assert_eq!(
            parse_location(format!("ipfs://{cid}").as_bytes()).unwrap(),
            Location::Ipfs(cid.parse().unwrap())
        );
        let v0 = "QmSAY4mYRkCvdDzcD3A3sDeN5nChyn82p88xt7HhYHqXfi";
        let binary = Location::Ipfs(v0.parse().unwrap()).to_bytes().unwrap();
        assert_eq!(
            parse_location(&binary).unwrap(),
            Location::Ipfs(v0.parse().unwrap())
        );
        assert!(parse_location(b"docker.io/iexechub/app:1.0").is_err());
    }
}
