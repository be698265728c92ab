//! Why a node cannot start.

use std::net::SocketAddr;
use std::path::PathBuf;

/// A boxed error of one of the services.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// What stops a node from starting.
#[derive(Debug, thiserror::Error)]
pub enum NodeError {
    /// Another node runs on the same data directory.
    #[error(
        "the data directory {} is in use by another `confide dev`{}: stop it, or pass another --data-dir",
        path.display(),
        holder.as_ref().map(|pid| format!(" (pid {pid})")).unwrap_or_default()
    )]
    Locked {
        /// The data directory.
        path: PathBuf,
        /// The pid written by its holder, when known.
        holder: Option<String>,
    },
    /// A file or directory of the data directory cannot be used.
    #[error("cannot {what} {}", path.display())]
    Io {
        /// What was being done.
        what: &'static str,
        /// The path.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A service cannot listen on its address.
    #[error("the {service} cannot listen on {addr}{}", in_use_hint(source))]
    Bind {
        /// The service.
        service: &'static str,
        /// The address asked for.
        addr: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
    /// More workers than dev accounts for them.
    #[error("at most {max} workers (dev accounts 5 to {}): {asked} asked", 4 + max)]
    TooManyWorkers {
        /// Workers asked for.
        asked: usize,
        /// The most there can be.
        max: usize,
    },
    /// The dev chain cannot be opened (another chain in the data directory, a damaged journal).
    #[error("cannot open the dev chain in {}{}", path.display(), genesis_hint(source))]
    Chain {
        /// The chain's directory.
        path: PathBuf,
        /// Why (boxed: it is large).
        source: Box<confide_chain::devchain::DevChainError>,
    },
    /// A service failed to start.
    #[error("cannot start the {service}")]
    Service {
        /// The service.
        service: &'static str,
        /// Why.
        source: BoxError,
    },
    /// The network file cannot be written.
    #[error(transparent)]
    Network(#[from] confide_sdk::NetworkError),
}

impl NodeError {
    /// A service's start-up failure.
    pub(crate) fn service(service: &'static str) -> impl FnOnce(BoxError) -> Self {
        move |source| Self::Service { service, source }
    }

    /// A failure of a file operation on `path`.
    pub(crate) fn io(
        what: &'static str,
        path: impl Into<PathBuf>,
    ) -> impl FnOnce(std::io::Error) -> Self {
        let path = path.into();
        move |source| Self::Io { what, path, source }
    }
}

fn in_use_hint(source: &std::io::Error) -> &'static str {
    if source.kind() == std::io::ErrorKind::AddrInUse {
        " (another `confide dev`, or the same service started alone? stop it, or pick another port; 0 picks a free one)"
    } else {
        ""
    }
}

fn genesis_hint(source: &confide_chain::devchain::DevChainError) -> &'static str {
    if matches!(
        source,
        confide_chain::devchain::DevChainError::GenesisMismatch { .. }
    ) {
        " (it holds a chain made with other settings or contracts: start over with --reset, or pass another --data-dir)"
    } else {
        ""
    }
}
