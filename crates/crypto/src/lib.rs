//! Confide's data and result formats.
//!
//! - [`protected_data`]: DataProtector v2 serialization (zip of borsh-encoded leaves, schema).
//! - [`seal`]: sealing of protected data: Confide's authenticated AES-256-GCM STREAM format
//!   (default) and iExec's legacy AES-256-CBC format, with format detection and checksums.
//! - [`result`]: result encryption for a beneficiary: HPKE (X25519) by default, iExec's
//!   RSA + AES layout readable.
//! - [`archive`]: result zips read defensively in memory (bombs, path tricks refused).
//! - [`keystore`]: Ethereum JSON keystores (v3, scrypt/pbkdf2).
#![forbid(unsafe_code)]

pub mod archive;
pub mod keystore;
pub mod protected_data;
pub mod result;
pub mod seal;
