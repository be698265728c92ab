//! Tries to write outside `/iexec_out`; reports each attempt's outcome (one line each, in
//! `/iexec_out/report.txt`) and exits with the number of attempts that succeeded (0 when the
//! sandbox holds).
use std::fs;
use std::os::fd::AsRawFd;

#[link(wasm_import_module = "wasi_snapshot_preview1")]
unsafe extern "C" {
    /// WASI's own symlink call (std's wrapper is unstable): errno 0 on success.
    fn path_symlink(
        old: *const u8,
        old_len: usize,
        dir: i32,
        new: *const u8,
        new_len: usize,
    ) -> u16;
}

fn symlink(target: &str, dir: &fs::File, link: &str) -> Result<(), u16> {
    // SAFETY: both pointers and lengths come from live `&str`s.
    let errno = unsafe {
        path_symlink(
            target.as_ptr(),
            target.len(),
            dir.as_raw_fd(),
            link.as_ptr(),
            link.len(),
        )
    };
    if errno == 0 { Ok(()) } else { Err(errno) }
}

fn main() {
    let name = "confide-sandbox-escape";
    let attempts = [
        format!("/etc/{name}"),
        format!("/tmp/{name}"),
        format!("/{name}"),
        format!("../{name}"),
        format!("/iexec_out/../{name}"),
        format!("/iexec_out/../../{name}"),
        format!("/iexec_in/{name}"),
        format!("/iexec_in/../{name}"),
        name.to_string(),
    ];
    let mut escaped = 0;
    let mut report = Vec::new();
    for path in &attempts {
        match fs::write(path, b"escaped") {
            Ok(()) => {
                escaped += 1;
                report.push(format!("{path}: written"));
            }
            Err(error) => report.push(format!("{path}: refused ({error})")),
        }
    }
    // A symbolic link in the writable directory pointing outside it, then a write through it.
    let output = fs::File::open("/iexec_out").expect("open /iexec_out");
    for (n, target) in ["/tmp", "..", "../..", "/iexec_in", "/etc"]
        .iter()
        .enumerate()
    {
        let link = format!("/iexec_out/link{n}");
        match symlink(target, &output, &format!("link{n}")) {
            Ok(()) => match fs::write(format!("{link}/{name}"), b"escaped") {
                Ok(()) => {
                    escaped += 1;
                    report.push(format!("{link} -> {target}: written through"));
                }
                Err(error) => report.push(format!("{link} -> {target}: write refused ({error})")),
            },
            Err(errno) => report.push(format!("{link} -> {target}: link refused (errno {errno})")),
        }
    }
    // Modifying an input file in place.
    match fs::OpenOptions::new()
        .append(true)
        .open("/iexec_in/input.txt")
    {
        Ok(_) => {
            escaped += 1;
            report.push(format!("/iexec_in/input.txt: opened for writing"));
        }
        Err(error) => report.push(format!("/iexec_in/input.txt: refused ({error})")),
    }
    fs::write("/iexec_out/report.txt", report.join("\n")).expect("write the report");
    std::process::exit(escaped);
}
