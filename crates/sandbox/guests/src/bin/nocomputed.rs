//! Finishes without a valid `computed.json`: the first argument chooses how.
//! `missing`: writes only `result.txt`; `invalid`: writes a `computed.json` that is not JSON;
//! `outside`: its deterministic output path leaves `/iexec_out`; `exit`: exits with code 3.
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
        "exit" => {
            eprintln!("failing on purpose");
            std::process::exit(3)
        }
        _ => {}
    }
}
