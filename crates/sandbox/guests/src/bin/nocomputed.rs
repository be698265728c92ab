//! Finishes without a valid `computed.json`: the first argument chooses how.
//! `missing`: writes only `result.txt`; `invalid`: writes a `computed.json` that is not JSON;
//! `outside`: its deterministic output path leaves `/iexec_out`; `through-link`: it names a
//! host file (the task's input) through a link it made; `exit`: exits with code 3.
use std::os::fd::AsRawFd;

#[link(wasm_import_module = "wasi_snapshot_preview1")]
unsafe extern "C" {
    fn path_symlink(
        old: *const u8,
        old_len: usize,
        dir: i32,
        new: *const u8,
        new_len: usize,
    ) -> u16;
}

fn main() {
    let how = std::env::args().nth(1).unwrap_or_default();
    std::fs::write("/iexec_out/result.txt", b"result").expect("write result.txt");
    match how.as_str() {
        "invalid" => std::fs::write("/iexec_out/computed.json", b"{not json").expect("write"),
        "outside" => std::fs::write(
            "/iexec_out/computed.json",
            r#"{"deterministic-output-path":"/iexec_in/input.txt"}"#,
        )
        .expect("write"),
        "through-link" => {
            let output = std::fs::File::open("/iexec_out").expect("open /iexec_out");
            // WASI makes a link climbing out (it only refuses to follow it): `up` is the
            // host directory holding the task's `in` and `out`.
            let (target, link) = ("..", "up");
            // SAFETY: both pointers and lengths come from live `&str`s.
            let errno = unsafe {
                path_symlink(
                    target.as_ptr(),
                    target.len(),
                    output.as_raw_fd(),
                    link.as_ptr(),
                    link.len(),
                )
            };
            assert_eq!(errno, 0, "making the link");
            std::fs::write(
                "/iexec_out/computed.json",
                r#"{"deterministic-output-path":"/iexec_out/up/in/input.txt"}"#,
            )
            .expect("write");
        }
        "exit" => {
            eprintln!("failing on purpose");
            std::process::exit(3)
        }
        _ => {}
    }
}
