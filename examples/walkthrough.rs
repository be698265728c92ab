//! The SDK walkthrough, against `confide dev`: `cargo run -p confide-sdk --example walkthrough`.
#![allow(clippy::print_stdout)]
use confide_sdk::{AccessQuery, Confide, DataObject, DataQuery, Grant, Network, ProcessRequest};
use confide_sdk::{SdkError, Status, dev_account, rlc};

/// Alice protects, finds and grants a CSV; Bob runs `stats` on it; Alice revokes; Bob is refused.
pub async fn walkthrough(network: Network) -> Result<(String, SdkError), SdkError> {
    let alice = Confide::connect(network.clone(), dev_account(2)?).await?;
    let bob = Confide::connect(network.clone(), dev_account(4)?).await?;
    let (stats, mut csv) = (network.apps["stats"], DataObject::new());
    csv.insert("file", b"name,salary\nAda,52000\nBo,61000\n".to_vec());
    let log = &mut |status: Status| println!("{} {}", status.title.title(), status.is_done);
    let data = alice.protect_data(&csv, "salaries.csv", log).await?.address;
    let by_owner = DataQuery::by_owner(alice.address());
    let by_schema = DataQuery::by_schema(&["file:application/octet-stream"]);
    for query in [by_owner, by_schema] {
        let found = alice.get_protected_data(&query).await?;
        assert!(found.iter().any(|protected| protected.address == data));
    }
    let grant = Grant::new(data, stats, bob.address()).price(rlc(1)).uses(2);
    alice.grant_access(&grant, log).await?;
    let accesses = bob.get_granted_access(&AccessQuery::of(data)).await?;
    assert_eq!(accesses.len(), 1);
    bob.deposit(rlc(5)).await?;
    let request = ProcessRequest::new(data, stats).args("salary");
    let request = request.max_price(rlc(2)).wait();
    let result = bob.process_protected_data(&request, log).await?.result;
    let summary = result.expect("waited").file("result.json")?;
    alice.revoke_all_access(data, None, None, log).await?;
    let refused = bob.process_protected_data(&request, log).await;
    let summary = String::from_utf8_lossy(&summary).into_owned();
    Ok((summary, refused.expect_err("revoked")))
}
#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (summary, refused) = walkthrough(Network::read_default()?).await?;
    println!("result: {summary}\nafter revocation: {refused}");
    Ok(())
}
