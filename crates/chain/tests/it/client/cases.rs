//! Client cases run on every node (see `on_both_nodes!`).

use super::nodes::{Node, confirmed_transfers};
use alloy_primitives::{Address, B256, Bytes, U256, keccak256};
use alloy_provider::{Provider, RootProvider};
use alloy_signer_local::PrivateKeySigner;
use confide_chain::ProtocolRevert;
use confide_chain::artifacts::bindings::{IConfide, IERC20};
use confide_chain::client::{Client, ClientError, FixtureRoles};
use confide_chain::deploy::{DeployPlan, Deployment, deploy_confide};
use confide_chain::scenario::{Assets, OrderDraft, RLC, Terms, task_status};
use confide_protocol::SignedOrder;
use confide_protocol::authorization::{enclave_signature_message, worker_authorization_hash};
use confide_protocol::matching::MatchCheck;
use confide_protocol::result::{result_hash, result_seal};
use confide_protocol::signature::sign_personal;
use std::sync::Arc;

fn rlc(n: u64) -> U256 {
    U256::from(n * RLC)
}

/// The dev accounts by role.
struct Roles {
    owner: Address,
    app_developer: PrivateKeySigner,
    data_owner: PrivateKeySigner,
    scheduler: PrivateKeySigner,
    worker: Address,
    requester: PrivateKeySigner,
    spare: Address,
}

fn roles(node: &Node) -> Roles {
    let accounts = node.accounts();
    let key = |i: usize| accounts[i].signer().clone();
    Roles {
        owner: accounts[0].address,
        app_developer: key(1),
        data_owner: key(2),
        scheduler: key(3),
        worker: accounts[4].address,
        requester: key(5),
        spare: accounts[6].address,
    }
}

/// Registers a TEE app, a dataset and a workerpool; funds and deposits 100 RLC for the
/// requester and the scheduler.
async fn assets_and_deposits(client: &Client<RootProvider>, roles: &Roles) -> Assets {
    let fixture = FixtureRoles {
        funder: roles.owner,
        app_developer: roles.app_developer.address(),
        data_owner: roles.data_owner.address(),
        scheduler: roles.scheduler.address(),
        requester: roles.requester.address(),
    };
    client
        .register_tee_fixture(&fixture, keccak256("tee-app"))
        .await
        .unwrap()
}

pub(crate) async fn deploys_the_protocol_from_the_in_process_plan(node: &Node) {
    let client = node.deployed_client().await;
    let deployment = client.deployment().clone();
    let owner = node.accounts()[0].address;

    // The addresses are the plan's: the plan made again from the deployer's first nonce.
    let mut plan = DeployPlan::new(owner, 0);
    deploy_confide(&mut plan, owner).unwrap();
    let sent = plan.txs().len() as u64;
    let nonce = client
        .provider()
        .get_transaction_count(owner)
        .await
        .unwrap();
    let mut replay = DeployPlan::new(owner, nonce - sent);
    let protocol = deploy_confide(&mut replay, owner).unwrap();
    assert_eq!(protocol.address, deployment.protocol);
    assert_eq!(protocol.token, deployment.token);
    assert_eq!(deployment.chain_id, 31_337);
    assert!(deployment.block.unwrap() >= sent);

    // Configured like PoCo: the SRLC surface, the registries, five categories.
    let name = client.protocol_view(&IConfide::nameCall {}).await.unwrap();
    assert_eq!(name, "Staked RLC");
    let token = client.protocol_view(&IConfide::tokenCall {}).await.unwrap();
    assert_eq!(token, deployment.token);
    let registry = client
        .protocol_view(&IConfide::appregistryCall {})
        .await
        .unwrap();
    assert_eq!(registry, deployment.app_registry);
    let categories = client
        .protocol_view(&IConfide::countCategoryCall {})
        .await
        .unwrap();
    assert_eq!(categories, U256::from(5));
    assert_eq!(
        client.rlc_balance(owner).await.unwrap(),
        U256::from(87_000_000u64) * U256::from(RLC)
    );

    // The deployment file round-trips.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("deployment.json");
    deployment.write(&path).unwrap();
    assert_eq!(Deployment::read(&path).unwrap(), deployment);
}

pub(crate) async fn runs_a_tee_task_end_to_end(node: &Node) {
    let client = node.deployed_client().await;
    let roles = roles(node);
    let assets = assets_and_deposits(&client, &roles).await;
    let domain = client.domain();
    let terms = Terms::tee();
    let requester = roles.requester.address();
    let draft = OrderDraft::new(&assets, &terms, requester);
    let app = SignedOrder::sign(draft.app, &domain, &roles.app_developer).unwrap();
    let dataset = SignedOrder::sign(draft.dataset.unwrap(), &domain, &roles.data_owner).unwrap();
    let workerpool = SignedOrder::sign(draft.workerpool, &domain, &roles.scheduler).unwrap();
    let request = SignedOrder::sign(draft.request, &domain, &roles.requester).unwrap();

    let deal = client
        .match_orders(requester, &app, Some(&dataset), &workerpool, &request)
        .await
        .unwrap();
    assert_eq!(client.deal(deal).await.unwrap().requester, requester);
    let task = client
        .initialize(roles.scheduler.address(), deal, 0)
        .await
        .unwrap();

    let enclave = PrivateKeySigner::random();
    let digest = keccak256("result");
    let seal = result_seal(roles.worker, task, digest);
    let enclave_sign = sign_personal(
        &enclave,
        &enclave_signature_message(result_hash(task, digest), seal),
    )
    .unwrap();
    let authorization = sign_personal(
        &roles.scheduler,
        &worker_authorization_hash(roles.worker, task, enclave.address()),
    )
    .unwrap();
    let results = Bytes::from_static(b"/ipfs/bafkreiresult");
    client
        .contribute_and_finalize(
            roles.worker,
            &IConfide::contributeAndFinalizeCall {
                taskId: task,
                resultDigest: digest,
                results: results.clone(),
                resultsCallback: Bytes::new(),
                enclaveChallenge: enclave.address(),
                enclaveSign: enclave_sign,
                authorizationSign: authorization,
            },
        )
        .await
        .unwrap();

    let state = client.task(task).await.unwrap();
    assert_eq!(state.status, task_status::COMPLETED);
    assert_eq!(state.results, results);
    // Paid: the requester's price is spent, the app developer and data owner got theirs.
    let price = terms.task_price(true);
    let account = client.account(requester).await.unwrap();
    assert_eq!(
        (account.stake, account.locked),
        (rlc(100) - price, U256::ZERO)
    );
    let app_developer = client.account(roles.app_developer.address()).await.unwrap();
    assert_eq!(app_developer.stake, terms.app_price);
    let data_owner = client.account(roles.data_owner.address()).await.unwrap();
    assert_eq!(data_owner.stake, terms.dataset_price);
}

pub(crate) async fn names_match_orders_reverts_and_keeps_the_nonce(node: &Node) {
    let client = node.deployed_client().await;
    let roles = roles(node);
    let assets = assets_and_deposits(&client, &roles).await;
    let domain = client.domain();
    let requester = roles.requester.address();
    let mut draft = OrderDraft::new(&assets, &Terms::default(), requester);
    draft.request.category = U256::from(1); // the workerpool serves category 0
    let app = SignedOrder::sign(draft.app, &domain, &roles.app_developer).unwrap();
    let workerpool = SignedOrder::sign(draft.workerpool, &domain, &roles.scheduler).unwrap();
    let request = SignedOrder::sign(draft.request, &domain, &roles.requester).unwrap();
    let dataset = SignedOrder::sign(draft.dataset.unwrap(), &domain, &roles.data_owner).unwrap();

    let nonce_before = client
        .provider()
        .get_transaction_count(requester)
        .await
        .unwrap();
    let error = client
        .match_orders(requester, &app, Some(&dataset), &workerpool, &request)
        .await
        .unwrap_err();
    assert_eq!(
        error.match_check(),
        Some(MatchCheck::CategoryMismatch),
        "{error}"
    );
    assert!(error.to_string().contains("0x00"), "{error}");

    // A wrong signature is named too (the request signed by someone else).
    let forged = SignedOrder::sign(request.order.clone(), &domain, &roles.data_owner).unwrap();
    let mut good_category = forged.order.clone();
    good_category.category = U256::ZERO;
    let forged = SignedOrder::sign(good_category, &domain, &roles.data_owner).unwrap();
    let error = client
        .match_orders(requester, &app, Some(&dataset), &workerpool, &forged)
        .await
        .unwrap_err();
    assert_eq!(
        error.match_check(),
        Some(MatchCheck::RequestOrderNotSigned),
        "{error}"
    );

    // Nothing was sent: the nonce is unused and the next transaction lands with it.
    let nonce_after = client
        .provider()
        .get_transaction_count(requester)
        .await
        .unwrap();
    assert_eq!(nonce_after, nonce_before);
    let mined = client.deposit(requester, rlc(1)).await.unwrap();
    let tx = client
        .provider()
        .get_transaction_by_hash(mined.hash())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(alloy_consensus::Transaction::nonce(&tx), nonce_before);
}

pub(crate) async fn names_custom_errors_and_failed_transactions(node: &Node) {
    let client = node.deployed_client().await;
    let roles = roles(node);

    // A custom error of the protocol, named from the artifacts' ABIs.
    let error = client
        .initialize(roles.scheduler.address(), B256::repeat_byte(7), 0)
        .await
        .unwrap_err();
    let Some(ProtocolRevert::Custom { signature, .. }) = error.revert() else {
        panic!("expected a named custom error, got {error}");
    };
    assert!(signature.ends_with("()"), "{signature}");
    assert!(error.to_string().contains(signature), "{error}");

    // A reason string: withdrawing more than the account holds.
    let error = client
        .protocol_send(roles.spare, &IConfide::withdrawCall(rlc(1)))
        .await
        .unwrap_err();
    assert!(
        matches!(
            error.revert(),
            Some(ProtocolRevert::Reason(_)) | Some(ProtocolRevert::Custom { .. })
        ),
        "{error}"
    );

    // Mined but failed: the gas limit is forced below what the call needs.
    let spec = confide_chain::client::send::TxSpec {
        gas_limit: Some(30_000),
        ..confide_chain::client::send::TxSpec::call(
            client.deployment().token,
            alloy_sol_types::SolCall::abi_encode(&IERC20::transferCall {
                to: roles.spare,
                value: rlc(1),
            }),
        )
    };
    let error = client
        .send_tx(roles.owner, spec, "transfer")
        .await
        .unwrap_err();
    let ClientError::Failed { hash, gas_used, .. } = &error else {
        panic!("expected a failed transaction, got {error}");
    };
    assert_eq!(*gas_used, 30_000);
    let receipt = client.receipt(*hash).await.unwrap();
    assert!(!receipt.status());

    // An unknown signer is refused before anything is sent.
    let error = client
        .deposit(PrivateKeySigner::random().address(), rlc(1))
        .await
        .unwrap_err();
    assert!(matches!(error, ClientError::UnknownSigner(_)), "{error}");
}

pub(crate) async fn lands_32_concurrent_transactions_from_one_signer(node: &Node) {
    let client = Arc::new(node.deployed_client().await);
    let owner = node.accounts()[0].address;
    let recipients: Vec<Address> = (0..32u8).map(|i| Address::repeat_byte(0xa0 ^ i)).collect();
    let first_nonce = client
        .provider()
        .get_transaction_count(owner)
        .await
        .unwrap();

    let mut sends = tokio::task::JoinSet::new();
    for (i, to) in recipients.iter().enumerate() {
        let (client, to) = (client.clone(), *to);
        sends.spawn(async move {
            let call = IERC20::transferCall {
                to,
                value: rlc(i as u64 + 1),
            };
            client.send(owner, client.deployment().token, &call).await
        });
    }
    let mut nonces = Vec::new();
    while let Some(result) = sends.join_next().await {
        let mined = result.unwrap().expect("every concurrent send lands");
        let tx = client
            .provider()
            .get_transaction_by_hash(mined.hash())
            .await
            .unwrap()
            .unwrap();
        nonces.push(alloy_consensus::Transaction::nonce(&tx));
    }
    nonces.sort_unstable();
    let expected: Vec<u64> = (first_nonce..first_nonce + 32).collect();
    assert_eq!(nonces, expected);
    for (i, to) in recipients.iter().enumerate() {
        assert_eq!(client.rlc_balance(*to).await.unwrap(), rlc(i as u64 + 1));
    }
    assert_eq!(
        client
            .provider()
            .get_transaction_count(owner)
            .await
            .unwrap(),
        first_nonce + 32
    );
}

pub(crate) async fn delivers_events_after_n_confirmations(node: &Node) {
    let client = node.deployed_client().await;
    let roles = roles(node);
    let start = client.block_number().await.unwrap() + 1;
    let mut watcher = client
        .watch(
            alloy_rpc_types_eth::Filter::new()
                .address(client.deployment().token)
                .event_signature(<IERC20::Transfer as alloy_sol_types::SolEvent>::SIGNATURE_HASH),
            start,
            3,
        )
        .with_max_range(2);

    for i in 1..=3 {
        client
            .send(
                roles.owner,
                client.deployment().token,
                &IERC20::transferCall {
                    to: roles.spare,
                    value: rlc(i),
                },
            )
            .await
            .unwrap();
    }
    // Three blocks with a transfer each: the first has 3 confirmations, the others not yet.
    let mut seen = confirmed_transfers(&mut watcher).await;
    assert_eq!(seen, vec![rlc(1)]);
    assert_eq!(watcher.next_block(), start + 1);

    node.mine(2).await;
    seen.extend(confirmed_transfers(&mut watcher).await);
    assert_eq!(seen, vec![rlc(1), rlc(2), rlc(3)]);
    assert_eq!(watcher.next_block(), start + 3);
    assert_eq!(watcher.poll().await.unwrap(), None);
}

pub(crate) async fn refuses_a_node_of_another_chain(node: &Node) {
    let client = node.deployed_client().await;
    let mut deployment = client.deployment().clone();
    deployment.chain_id = 1;
    let error = Client::connect_http(&node.url, deployment, super::nodes::fast_config())
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            ClientError::WrongChain {
                expected: 1,
                got: 31_337
            }
        ),
        "{error}"
    );
}
