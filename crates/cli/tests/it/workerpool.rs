//! `confide scheduler` and `confide worker` refuse to start without a key they may use. (What
//! they do once started is the end-to-end tests', `e2e`.)

use crate::{assert_fails, confide, stderr};

#[test]
fn a_service_without_a_key_is_a_usage_error() {
    for service in ["scheduler", "worker"] {
        let output = confide(&[service, "--rpc", "http://127.0.0.1:9"]);
        assert_fails(&output, 2, "--keystore");
        assert!(
            stderr(&output).contains("--dev-account"),
            "{}",
            stderr(&output)
        );
    }
}

#[test]
fn a_dev_account_key_and_a_keystore_are_exclusive() {
    let output = confide(&["worker", "--dev-account", "5", "--keystore", "worker.json"]);
    assert_fails(&output, 2, "cannot be used with");
}

#[test]
fn a_worker_needs_a_reachable_chain() {
    let output = confide(&[
        "worker",
        "--dev-account",
        "5",
        "--rpc",
        "http://127.0.0.1:9",
        "--listen",
        "127.0.0.1:0",
    ]);
    assert_fails(&output, 1, "127.0.0.1:9");
}
