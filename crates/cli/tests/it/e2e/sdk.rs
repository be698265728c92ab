//! The SDK's story on the stack: an app developer deploys an app; Alice protects a record,
//! finds it, grants it to Bob for two uses at a price; Bob runs the app on it twice and reads
//! the decrypted result; a third use and a use after revocation are refused, each with the
//! error that says why; Alice is paid and hands the data over.

use alloy_primitives::{B256, U256};
use confide_sdk::{
    AccessQuery, Confide, DataObject, DataQuery, Grant, MaxPrices, Network, ProcessRequest,
    SdkError, Status, Step,
};

use super::flow::{
    APP_DEVELOPER, Actors, DATA_OWNER, FIRST_WORKER, RECORD, REQUESTER, RLC, SCHEDULER, run_e2e,
};
use super::stack::Stack;

fn network(stack: &Stack, actors: &Actors, workerpool: alloy_primitives::Address) -> Network {
    Network {
        name: "e2e".into(),
        rpc: stack.chain.url.clone(),
        deployment: actors.chain.deployment().clone(),
        storage: stack.storage_api(),
        sms: stack.sms.url.clone(),
        market: stack.market.url.clone(),
        indexer: stack.indexer.url.clone(),
        workerpool: Some(workerpool),
        scheduler: None,
        apps: Default::default(),
    }
}

fn rlc(amount: u64) -> U256 {
    U256::from(amount * RLC)
}

#[test]
fn the_sdk_protects_grants_processes_and_revokes() {
    run_e2e(async |stack, actors, wasm| {
        let pool = actors.create_workerpool().await;
        stack.start_scheduler(
            SCHEDULER as u32,
            &pool.to_string(),
            &["--poll-interval-ms", "250"],
        );
        stack.start_worker(FIRST_WORKER as u32, &[]);
        let network = network(stack, actors, pool);
        let connect = |role: usize| Confide::connect(network.clone(), actors.key(role).clone());
        let developer = connect(APP_DEVELOPER).await.unwrap();
        let alice = connect(DATA_OWNER).await.unwrap();
        let bob = connect(REQUESTER).await.unwrap();

        let app = developer
            .deploy_app(wasm, "hello", rlc(1), U256::from(100))
            .await
            .unwrap()
            .address;

        let mut statuses: Vec<Status> = Vec::new();
        let data = alice
            .protect_data(
                &DataObject::from_json_str(RECORD).unwrap(),
                "record",
                &mut |status| statuses.push(status),
            )
            .await
            .unwrap();
        let steps = [
            Step::ExtractDataSchema,
            Step::CreateZipFile,
            Step::CreateEncryptionKey,
            Step::EncryptFile,
            Step::UploadEncryptedFile,
            Step::DeployProtectedData,
            Step::PushSecretToSms,
        ];
        let expected: Vec<(Step, bool)> = steps
            .iter()
            .flat_map(|step| [(*step, false), (*step, true)])
            .collect();
        let reported: Vec<(Step, bool)> = statuses
            .iter()
            .map(|status| (status.title, status.is_done))
            .collect();
        assert_eq!(reported, expected);
        assert_eq!(data.owner, alice.address());
        assert_eq!(data.schema["name"], "string");

        // Found by owner and by schema; not by a schema it lacks.
        let find = |owner, schema: &[&str]| DataQuery {
            owner,
            schema: schema.iter().map(|entry| (*entry).to_owned()).collect(),
            ..DataQuery::default()
        };
        let addresses = |found: Vec<confide_sdk::ProtectedData>| {
            found
                .into_iter()
                .map(|data| data.address)
                .collect::<Vec<_>>()
        };
        let by_owner = alice
            .get_protected_data(&find(Some(alice.address()), &[]))
            .await;
        assert_eq!(addresses(by_owner.unwrap()), [data.address]);
        let by_schema = bob
            .get_protected_data(&find(None, &["name:string", "age:f64"]))
            .await;
        assert_eq!(addresses(by_schema.unwrap()), [data.address]);
        let lacking = bob.get_protected_data(&find(None, &["name:bool"])).await;
        assert!(lacking.unwrap().is_empty());

        let grant = Grant {
            protected_data: data.address,
            authorized_app: app,
            authorized_user: bob.address(),
            price_per_access: rlc(2),
            number_of_access: U256::from(2),
        };
        alice.grant_access(&grant, &mut |_| {}).await.unwrap();
        // Bob cannot grant what is not his; a second grant to Bob is refused.
        let error = bob.grant_access(&grant, &mut |_| {}).await.unwrap_err();
        assert!(matches!(error, SdkError::NotOwner { .. }), "{error}");
        let error = alice.grant_access(&grant, &mut |_| {}).await.unwrap_err();
        assert!(error.to_string().contains("revoke it first"), "{error}");
        let bobs = AccessQuery {
            protected_data: Some(data.address),
            authorized_user: Some(bob.address()),
            ..AccessQuery::default()
        };
        let accesses = bob.get_granted_access(&bobs).await.unwrap();
        assert_eq!(accesses.len(), 1);
        assert_eq!(accesses[0].remaining_access, U256::from(2));

        let request = ProcessRequest {
            protected_data: data.address,
            app,
            max_price: MaxPrices::total(rlc(4)),
            // Pushed to the SMS under a random name, released to the task's enclave.
            secrets: [(1, "hunter2".to_owned())].into(),
            wait: true,
            ..ProcessRequest::default()
        };
        // App 1 + data 2 + workerpool 1 RLC: Bob has deposited nothing yet.
        let error = bob
            .process_protected_data(&request, &mut |_| {})
            .await
            .unwrap_err();
        match &error {
            SdkError::InsufficientBalance {
                needed, available, ..
            } => {
                assert_eq!((*needed, *available), (rlc(4), U256::ZERO));
            }
            other => panic!("{other}"),
        }
        assert!(
            error.to_string().contains("confide account deposit"),
            "{error}"
        );
        bob.deposit(rlc(10)).await.unwrap();
        // Under the data's price.
        let cheap = ProcessRequest {
            max_price: MaxPrices {
                app: rlc(1),
                data: rlc(1),
                workerpool: rlc(1),
                total: None,
            },
            ..request.clone()
        };
        let error = bob
            .process_protected_data(&cheap, &mut |_| {})
            .await
            .unwrap_err();
        assert!(
            matches!(error, SdkError::NoAccess { cheapest: Some(price), .. } if price == rlc(2)),
            "{error}"
        );

        let paid_before = alice.balance(None).await.unwrap().stake;
        let mut tasks = Vec::new();
        for _ in 0..2 {
            let processed = bob
                .process_protected_data(&request, &mut |_| {})
                .await
                .unwrap();
            assert_eq!(processed.price, rlc(4));
            let result = processed.result.unwrap();
            assert_eq!(result.file("result.txt").unwrap(), b"Hello, Alice!\n");
            tasks.push(processed.task_id);
        }
        // The deal names the secret; its value is only at the SMS.
        let params = bob.task(tasks[0]).await.unwrap().params;
        assert!(!params.contains("hunter2"), "{params}");
        let params = confide_protocol::params::DealParams::parse(&params).unwrap();
        assert!(params.iexec_secrets[&1].starts_with("0x"), "{params:?}");
        assert_eq!(
            alice.balance(None).await.unwrap().stake,
            paid_before + rlc(4)
        );
        // A result is read again later, by its task.
        let again = bob
            .get_result_from_completed_task(tasks[0], &mut |_| {})
            .await
            .unwrap();
        assert_eq!(again.file("result.txt").unwrap(), b"Hello, Alice!\n");
        // Alice's key cannot decrypt Bob's result.
        let error = alice
            .get_result_from_completed_task(tasks[0], &mut |_| {})
            .await;
        assert!(matches!(error, Err(SdkError::Result { .. })), "{error:?}");

        // Both uses are spent: a third is refused at once (the chain's consumed volume counts,
        // the book may list the order a block longer).
        let error = bob
            .process_protected_data(&request, &mut |_| {})
            .await
            .unwrap_err();
        assert!(
            matches!(error, SdkError::NoAccess { cheapest: None, .. }),
            "{error}"
        );

        // A new grant, revoked: refused again.
        alice.grant_access(&grant, &mut |_| {}).await.unwrap();
        let revoked = alice
            .revoke_all_access(data.address, Some(app), None, &mut |_| {})
            .await
            .unwrap();
        assert_eq!(revoked.len(), 1);
        assert!(bob.get_granted_access(&bobs).await.unwrap().is_empty());
        let error = bob
            .process_protected_data(&request, &mut |_| {})
            .await
            .unwrap_err();
        assert!(matches!(error, SdkError::NoAccess { .. }), "{error}");
        assert!(error.to_string().contains("confide data grant"), "{error}");

        let error = bob.task(B256::repeat_byte(7)).await.unwrap_err();
        assert!(matches!(error, SdkError::UnknownTask(_)), "{error}");

        // Alice hands the data to Bob: he owns it, she can no longer grant it.
        alice
            .transfer_ownership(data.address, bob.address())
            .await
            .unwrap();
        let error = alice.grant_access(&grant, &mut |_| {}).await.unwrap_err();
        assert!(matches!(error, SdkError::NotOwner { .. }), "{error}");
    });
}
