//! The well-behaved iApp: reads its input files from `/iexec_in`, writes `result.txt` (its args,
//! task id and the upper-cased inputs) and `computed.json` to `/iexec_out`.
use std::fs;

fn main() {
    let input_dir = std::env::var("IEXEC_IN").unwrap_or_default();
    let output_dir = std::env::var("IEXEC_OUT").unwrap_or_default();
    let task_id = std::env::var("IEXEC_TASK_ID").unwrap_or_default();
    let count: usize = std::env::var("IEXEC_INPUT_FILES_NUMBER")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut result = format!("task={task_id} args={args:?}\n");
    for n in 1..=count {
        let name = std::env::var(format!("IEXEC_INPUT_FILE_NAME_{n}")).unwrap_or_default();
        let content = fs::read_to_string(format!("{input_dir}/{name}")).unwrap_or_default();
        result.push_str(&format!("{name}={}\n", content.to_uppercase()));
    }
    if let Ok(secret) = std::env::var("IEXEC_REQUESTER_SECRET_1") {
        result.push_str(&format!("secret-length={}\n", secret.len()));
    }
    fs::write(format!("{output_dir}/result.txt"), &result).expect("write result.txt");
    fs::write(
        format!("{output_dir}/computed.json"),
        format!(r#"{{"deterministic-output-path":"{output_dir}/result.txt"}}"#),
    )
    .expect("write computed.json");
    println!("hello from the sandbox");
    eprintln!("done");
}
