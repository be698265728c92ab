// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {Types} from "./Types.sol";
import {IConfideEvents} from "./IConfideEvents.sol";

/// @title The protocol address: every function, with PoCo's `IexecInterfaceToken` signatures.
/// @notice Implemented by the modules behind the `Confide` router; this interface is what
/// clients bind to. Revert reasons of `matchOrders` are PoCo's `iExecV5-matchOrders-0xNN`.
interface IConfide is IConfideEvents {
    /// `assertDatasetDealCompatibility`: why the dataset order cannot be used with the deal
    /// (PoCo's reason strings).
    error IncompatibleDatasetOrder(string reason);
    /// `receiveApproval`: the data is not a `matchOrders` call.
    error UnsupportedOperation(bytes4 selector);
    /// `receiveApproval`: the request order to match is not the depositor's.
    error CallerIsNotTheRequester();
    /// `receiveApproval`: the `matchOrders` call data is malformed.
    error OperationFailed();
    /// A value does not fit the packed storage (prices, stakes, trust, volumes, ratios,
    /// callback gas, category time references) and is refused rather than truncated.
    error ValueTooLarge(uint256 value, uint256 max);

    // --- SRLC: the internal ERC-20 of deposited funds (EscrowModule) ---
    function name() external view returns (string memory);
    function symbol() external view returns (string memory);
    function decimals() external view returns (uint8);
    function totalSupply() external view returns (uint256);
    function balanceOf(address account) external view returns (uint256);
    function frozenOf(address account) external view returns (uint256);
    function allowance(address account, address spender) external view returns (uint256);
    function transfer(address, uint256) external returns (bool);
    function approve(address, uint256) external returns (bool);
    function transferFrom(address, address, uint256) external returns (bool);
    function increaseAllowance(address, uint256) external returns (bool);
    function decreaseAllowance(address, uint256) external returns (bool);
    function approveAndCall(address, uint256, bytes calldata) external returns (bool);

    // --- Escrow over the RLC token (EscrowModule) ---
    function token() external view returns (address);
    function deposit(uint256) external returns (bool);
    function depositFor(uint256, address) external returns (bool);
    function depositForArray(uint256[] calldata, address[] calldata) external returns (bool);
    function withdraw(uint256) external returns (bool);
    function withdrawTo(uint256, address) external returns (bool);
    function recover() external returns (uint256);
    function receiveApproval(address, uint256, address, bytes calldata) external returns (bool);
    function viewAccount(address account) external view returns (Types.Account memory);

    // --- Orders (OrderModule) ---
    function manageAppOrder(Types.AppOrderOperation calldata) external;
    function manageDatasetOrder(Types.DatasetOrderOperation calldata) external;
    function manageWorkerpoolOrder(Types.WorkerpoolOrderOperation calldata) external;
    function manageRequestOrder(Types.RequestOrderOperation calldata) external;
    function broadcastAppOrder(Types.AppOrder calldata) external;
    function broadcastDatasetOrder(Types.DatasetOrder calldata) external;
    function broadcastWorkerpoolOrder(Types.WorkerpoolOrder calldata) external;
    function broadcastRequestOrder(Types.RequestOrder calldata) external;
    function viewConsumed(bytes32 _id) external view returns (uint256 consumed);
    function viewPresigned(bytes32 _id) external view returns (address signer);

    // --- Matching (MatchModule) ---
    function matchOrders(
        Types.AppOrder calldata,
        Types.DatasetOrder calldata,
        Types.WorkerpoolOrder calldata,
        Types.RequestOrder calldata
    ) external returns (bytes32);
    function sponsorMatchOrders(
        Types.AppOrder calldata,
        Types.DatasetOrder calldata,
        Types.WorkerpoolOrder calldata,
        Types.RequestOrder calldata
    ) external returns (bytes32);
    function computeDealVolume(
        Types.AppOrder calldata appOrder,
        Types.DatasetOrder calldata datasetOrder,
        Types.WorkerpoolOrder calldata workerpoolOrder,
        Types.RequestOrder calldata requestOrder
    ) external view returns (uint256);
    function verifySignature(address, bytes32, bytes calldata) external view returns (bool);
    function verifyPresignature(address, bytes32) external view returns (bool);
    function verifyPresignatureOrSignature(address, bytes32, bytes calldata) external view returns (bool);
    function assertDatasetDealCompatibility(Types.DatasetOrder calldata datasetOrder, bytes32 dealId) external view;

    // --- Task lifecycle (TaskModule) ---
    function initialize(bytes32 dealId, uint256 index) external returns (bytes32);
    function contribute(
        bytes32 taskId,
        bytes32 resultHash,
        bytes32 resultSeal,
        address enclaveChallenge,
        bytes calldata enclaveSign,
        bytes calldata authorizationSign
    ) external;
    function reveal(bytes32 taskId, bytes32 resultDigest) external;
    function reopen(bytes32 taskId) external;
    function finalize(bytes32 taskId, bytes calldata results, bytes calldata resultsCallback) external;
    function contributeAndFinalize(
        bytes32 taskId,
        bytes32 resultDigest,
        bytes calldata results,
        bytes calldata resultsCallback,
        address enclaveChallenge,
        bytes calldata enclaveSign,
        bytes calldata authorizationSign
    ) external;
    function claim(bytes32 taskId) external;
    function initializeArray(bytes32[] calldata dealIds, uint256[] calldata indexes) external returns (bool);
    function claimArray(bytes32[] calldata taskIds) external returns (bool);
    function initializeAndClaimArray(bytes32[] calldata dealIds, uint256[] calldata indexes) external returns (bool);

    // --- Views (ViewModule) ---
    function viewDeal(bytes32 id) external view returns (Types.Deal memory);
    function viewTask(bytes32 id) external view returns (Types.Task memory);
    function viewContribution(bytes32 _taskid, address _worker) external view returns (Types.Contribution memory);
    function viewScore(address _worker) external view returns (uint256);
    function resultFor(bytes32 id) external view returns (bytes memory);
    function viewCategory(uint256 _catid) external view returns (Types.Category memory);
    function countCategory() external view returns (uint256);
    function viewApp(address app) external view returns (Types.AppInfo memory);
    function viewDataset(address dataset) external view returns (Types.DatasetInfo memory);
    function viewWorkerpool(address workerpool) external view returns (Types.WorkerpoolInfo memory);
    function appregistry() external view returns (address);
    function datasetregistry() external view returns (address);
    function workerpoolregistry() external view returns (address);
    function teebroker() external view returns (address);
    function callbackgas() external view returns (uint256);
    function domain() external view returns (Types.EIP712Domain memory);
    function eip712domain_separator() external view returns (bytes32);
    function contribution_deadline_ratio() external view returns (uint256);
    function reveal_deadline_ratio() external view returns (uint256);
    function final_deadline_ratio() external view returns (uint256);
    function workerpool_stake_ratio() external view returns (uint256);
    function kitty_ratio() external view returns (uint256);
    function kitty_min() external view returns (uint256);
    function kitty_address() external view returns (address);
    function groupmember_purpose() external view returns (uint256);

    // Legacy tuple views used by PoCo's Java middleware.
    function viewAccountABILegacy(address _user) external view returns (uint256, uint256);
    function viewDealABILegacy_pt1(bytes32 _id)
        external
        view
        returns (address, address, uint256, address, address, uint256, address, address, uint256);
    function viewDealABILegacy_pt2(bytes32 _id)
        external
        view
        returns (uint256, bytes32, address, address, address, string memory);
    function viewConfigABILegacy(bytes32 _id)
        external
        view
        returns (uint256, uint256, uint256, uint256, uint256, uint256);
    function viewTaskABILegacy(bytes32 _taskid)
        external
        view
        returns (
            Types.TaskStatusEnum,
            bytes32,
            uint256,
            uint256,
            uint256,
            uint256,
            uint256,
            bytes32,
            uint256,
            uint256,
            address[] memory,
            bytes memory
        );
    function viewContributionABILegacy(bytes32 _taskid, address _worker)
        external
        view
        returns (Types.ContributionStatusEnum, bytes32, bytes32, address);
    function viewCategoryABILegacy(uint256 _catid) external view returns (string memory, string memory, uint256);

    // --- Administration (AdminModule) ---
    function owner() external view returns (address);
    function transferOwnership(address) external;
    function renounceOwnership() external;
    function configure(address, string calldata, string calldata, uint8, address, address, address, address) external;
    function updateDomainSeparator() external;
    function createCategory(string calldata, string calldata, uint256) external returns (uint256);
    function setTeeBroker(address) external;
    function setCallbackGas(uint256) external;
    function changeRegistries(address, address, address) external;
    function importScore(address) external;
}
