//! configfs-tsm quote generation against a plain directory: the entry hook plays the kernel,
//! creating `provider` and `generation` and making `outblob` a FIFO that a thread fills, once
//! the attester opens it, from the `inblob` the attester wrote (bumping `generation` like the
//! kernel does on that write).

use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use confide_tee::dcap::{DcapError, TsmAttester};
use confide_tee::{Attester, EvidenceKind, TeeError};

/// Plays the kernel for one entry: `extra_writes` other writers touch the entry while the
/// quote is produced.
fn kernel(entry: &Path, provider: &str, extra_writes: u64) -> std::io::Result<()> {
    std::fs::write(entry.join("provider"), format!("{provider}\n"))?;
    std::fs::write(entry.join("generation"), "0\n")?;
    let outblob = entry.join("outblob");
    let status = Command::new("mkfifo").arg(&outblob).status()?;
    assert!(status.success(), "mkfifo failed");
    let entry = entry.to_path_buf();
    std::thread::spawn(move || {
        // Opening the write end waits for the attester to open the read end, which it does
        // after writing inblob.
        let mut fifo = std::fs::OpenOptions::new()
            .write(true)
            .open(entry.join("outblob"))
            .unwrap();
        let inblob = std::fs::read(entry.join("inblob")).unwrap();
        std::fs::write(entry.join("generation"), format!("{}\n", 1 + extra_writes)).unwrap();
        let mut quote = b"QUOTE:".to_vec();
        quote.extend_from_slice(&inblob);
        std::io::Write::write_all(&mut fifo, &quote).unwrap();
    });
    Ok(())
}

fn entries_left(root: &Path) -> usize {
    std::fs::read_dir(root).unwrap().count()
}

#[test]
fn quote_over_the_report_data_and_entry_removed() {
    let root = tempfile::tempdir().unwrap();
    let attester = TsmAttester::new(root.path())
        .on_entry_created(Arc::new(|entry: &Path| kernel(entry, "tdx_guest", 0)));
    let report_data = [7u8; 64];
    let evidence = attester.attest(&report_data).unwrap();
    assert_eq!(evidence.kind, EvidenceKind::DcapQuote);
    assert_eq!(&evidence.data[..6], b"QUOTE:");
    assert_eq!(&evidence.data[6..], &report_data);
    assert_eq!(entries_left(root.path()), 0);
    // A second quote uses a fresh entry.
    let evidence = attester.attest(&[9u8; 64]).unwrap();
    assert_eq!(&evidence.data[6..], &[9u8; 64]);
}

#[test]
fn concurrent_writer_is_detected_then_retried() {
    let root = tempfile::tempdir().unwrap();
    let calls = Arc::new(AtomicU32::new(0));
    let counter = calls.clone();
    let attester = TsmAttester::new(root.path()).on_entry_created(Arc::new(move |entry: &Path| {
        // The first entry is written by someone else meanwhile; the second is not.
        let extra = if counter.fetch_add(1, Ordering::SeqCst) == 0 {
            1
        } else {
            0
        };
        kernel(entry, "tdx_guest", extra)
    }));
    let evidence = attester.attest(&[1u8; 64]).unwrap();
    assert_eq!(&evidence.data[6..], &[1u8; 64]);
    assert_eq!(calls.load(Ordering::SeqCst), 2);
    assert_eq!(entries_left(root.path()), 0);
}

#[test]
fn persistent_concurrent_writers_fail_the_attestation() {
    let root = tempfile::tempdir().unwrap();
    let attester = TsmAttester::new(root.path())
        .on_entry_created(Arc::new(|entry: &Path| kernel(entry, "tdx_guest", 1)));
    let error = attester.attest(&[1u8; 64]).unwrap_err();
    assert!(
        matches!(
            error,
            TeeError::Dcap(DcapError::TsmConflict {
                attempts: 3,
                expected: 1,
                got: 2
            })
        ),
        "{error:?}"
    );
    assert_eq!(entries_left(root.path()), 0);
}

#[test]
fn other_providers_are_refused() {
    let root = tempfile::tempdir().unwrap();
    let attester = TsmAttester::new(root.path()).on_entry_created(Arc::new(|entry: &Path| {
        std::fs::write(entry.join("provider"), "sev_guest\n")
    }));
    let error = attester.attest(&[0u8; 64]).unwrap_err();
    assert!(
        matches!(&error, TeeError::Dcap(DcapError::UnsupportedTsmProvider { got }) if got == "sev_guest"),
        "{error:?}"
    );
    assert_eq!(entries_left(root.path()), 0);
}

#[test]
fn missing_configfs_is_an_io_error() {
    let root = tempfile::tempdir().unwrap();
    let attester = TsmAttester::new(root.path().join("no-tsm"));
    let error = attester.attest(&[0u8; 64]).unwrap_err();
    assert!(
        matches!(&error, TeeError::Io { what, .. } if what.contains("creating configfs-tsm entry")),
        "{error:?}"
    );
}
