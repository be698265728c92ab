//! Typed bindings of the committed artifacts, and the few PoCo ABI facts the deployers need.
//!
//! Each artifact is bound in its own module (the `sol!` expansion of a JSON ABI also emits the
//! libraries its structs come from, such as `Types`, and two artifacts would clash). Adding an
//! artifact is one `bind!` line.

use alloy_sol_types::sol;

/// Binds `contracts/artifacts/<Contract>.json` as module `$module` (with the contract's module
/// and the struct libraries it uses inside).
macro_rules! bind {
    ($(#[$doc:meta])* $module:ident, $contract:ident) => {
        $(#[$doc])*
        #[allow(missing_docs, clippy::all, unreachable_pub)]
        pub mod $module {
            alloy_sol_types::sol!(
                #[sol(all_derives)]
                $contract,
                concat!("../../contracts/artifacts/", stringify!($contract), ".json")
            );
        }
    };
}

bind!(
    /// The whole protocol interface (PoCo's `IexecInterfaceToken` ABI): `IConfide` and `Types`.
    iconfide,
    IConfide
);
bind!(
    /// The router of the protocol address (`Confide`): constructor and routing errors.
    confide,
    Confide
);
bind!(
    /// Confide's asset-registry interface.
    iasset_registry,
    IAssetRegistry
);
bind!(
    /// Confide's workerpool-registry interface.
    iworkerpool_registry,
    IWorkerpoolRegistry
);
bind!(
    /// ERC-734 key manager (restriction groups).
    ierc734,
    IERC734
);
bind!(
    /// Callback receiver of deals.
    ioracle_consumer,
    IOracleConsumer
);

bind!(
    /// TEST ONLY: an ERC-1271 smart-contract wallet driven by one owner key.
    test_erc1271_signer,
    TestERC1271Signer
);
bind!(
    /// TEST ONLY: an ERC-734 restriction group.
    test_erc734_group,
    TestERC734Group
);
bind!(
    /// TEST ONLY: a `receiveApproval` callee recording its calls.
    test_approval_receiver,
    TestApprovalReceiver
);

pub use iconfide::{IConfide, Types};

sol! {
    /// PoCo's asset registries: creation and lookup (poco.md §5). Confide's registries expose
    /// the same functions.
    #[sol(all_derives)]
    interface IAppRegistry {
        function createApp(address owner, string name, string appType, bytes multiaddr, bytes32 checksum, bytes mrenclave) external returns (address);
        function predictApp(address owner, string name, string appType, bytes multiaddr, bytes32 checksum, bytes mrenclave) external view returns (address);
        function isRegistered(address entry) external view returns (bool);
        function ownerOf(uint256 tokenId) external view returns (address);
        function transferFrom(address from, address to, uint256 tokenId) external;
        function initialize(address previous) external;
        event Transfer(address indexed from, address indexed to, uint256 indexed tokenId);
    }

    /// See [`IAppRegistry`].
    #[sol(all_derives)]
    interface IDatasetRegistry {
        function createDataset(address owner, string name, bytes multiaddr, bytes32 checksum) external returns (address);
        function predictDataset(address owner, string name, bytes multiaddr, bytes32 checksum) external view returns (address);
        function isRegistered(address entry) external view returns (bool);
        function ownerOf(uint256 tokenId) external view returns (address);
        function transferFrom(address from, address to, uint256 tokenId) external;
        function initialize(address previous) external;
        event Transfer(address indexed from, address indexed to, uint256 indexed tokenId);
    }

    /// See [`IAppRegistry`].
    #[sol(all_derives)]
    interface IWorkerpoolRegistry {
        function createWorkerpool(address owner, string description) external returns (address);
        function predictWorkerpool(address owner, string description) external view returns (address);
        function isRegistered(address entry) external view returns (bool);
        function ownerOf(uint256 tokenId) external view returns (address);
        function transferFrom(address from, address to, uint256 tokenId) external;
        function initialize(address previous) external;
        event Transfer(address indexed from, address indexed to, uint256 indexed tokenId);
    }

    /// DataProtector's registry entry point (devtools.md §1).
    #[sol(all_derives)]
    interface IDataProtector {
        function createDatasetWithSchema(address owner, string name, string schema, bytes multiaddr, bytes32 checksum) external returns (address);
        event DatasetSchema(address indexed dataset, string schema);
    }

    /// ERC-20, with RLC's `approveAndCall`.
    #[sol(all_derives)]
    interface IERC20 {
        function name() external view returns (string);
        function symbol() external view returns (string);
        function decimals() external view returns (uint8);
        function totalSupply() external view returns (uint256);
        function balanceOf(address account) external view returns (uint256);
        function allowance(address owner, address spender) external view returns (uint256);
        function transfer(address to, uint256 value) external returns (bool);
        function approve(address spender, uint256 value) external returns (bool);
        function transferFrom(address from, address to, uint256 value) external returns (bool);
        function approveAndCall(address spender, uint256 value, bytes extraData) external returns (bool);
        event Transfer(address indexed from, address indexed to, uint256 value);
        event Approval(address indexed owner, address indexed spender, uint256 value);
    }

    /// The EIP-2535 diamond of the reference PoCo: constructor arguments.
    #[sol(all_derives)]
    interface IDiamond {
        struct FacetCut {
            address facetAddress;
            uint8 action;
            bytes4[] functionSelectors;
        }
        struct DiamondArgs {
            address owner;
            address init;
            bytes initCalldata;
        }
        function owner() external view returns (address);
        function facetAddress(bytes4 selector) external view returns (address);
    }
}

/// Orders of `confide_protocol` as the ABI structs of `IConfide` (the `sign` field is the
/// order's signature, empty when unsigned or presigned).
mod orders {
    use super::Types;
    use confide_protocol::{AppOrder, DatasetOrder, RequestOrder, SignedOrder, WorkerpoolOrder};

    impl From<&SignedOrder<AppOrder>> for Types::AppOrder {
        fn from(signed: &SignedOrder<AppOrder>) -> Self {
            let o = &signed.order;
            Self {
                app: o.app,
                appprice: o.appprice,
                volume: o.volume,
                tag: o.tag,
                datasetrestrict: o.datasetrestrict,
                workerpoolrestrict: o.workerpoolrestrict,
                requesterrestrict: o.requesterrestrict,
                salt: o.salt,
                sign: signed.sign.clone().unwrap_or_default(),
            }
        }
    }

    impl From<&SignedOrder<DatasetOrder>> for Types::DatasetOrder {
        fn from(signed: &SignedOrder<DatasetOrder>) -> Self {
            let o = &signed.order;
            Self {
                dataset: o.dataset,
                datasetprice: o.datasetprice,
                volume: o.volume,
                tag: o.tag,
                apprestrict: o.apprestrict,
                workerpoolrestrict: o.workerpoolrestrict,
                requesterrestrict: o.requesterrestrict,
                salt: o.salt,
                sign: signed.sign.clone().unwrap_or_default(),
            }
        }
    }

    impl From<&SignedOrder<WorkerpoolOrder>> for Types::WorkerpoolOrder {
        fn from(signed: &SignedOrder<WorkerpoolOrder>) -> Self {
            let o = &signed.order;
            Self {
                workerpool: o.workerpool,
                workerpoolprice: o.workerpoolprice,
                volume: o.volume,
                tag: o.tag,
                category: o.category,
                trust: o.trust,
                apprestrict: o.apprestrict,
                datasetrestrict: o.datasetrestrict,
                requesterrestrict: o.requesterrestrict,
                salt: o.salt,
                sign: signed.sign.clone().unwrap_or_default(),
            }
        }
    }

    impl From<&SignedOrder<RequestOrder>> for Types::RequestOrder {
        fn from(signed: &SignedOrder<RequestOrder>) -> Self {
            let o = &signed.order;
            Self {
                app: o.app,
                appmaxprice: o.appmaxprice,
                dataset: o.dataset,
                datasetmaxprice: o.datasetmaxprice,
                workerpool: o.workerpool,
                workerpoolmaxprice: o.workerpoolmaxprice,
                requester: o.requester,
                volume: o.volume,
                tag: o.tag,
                category: o.category,
                trust: o.trust,
                beneficiary: o.beneficiary,
                callback: o.callback,
                params: o.params.clone(),
                salt: o.salt,
                sign: signed.sign.clone().unwrap_or_default(),
            }
        }
    }
}
