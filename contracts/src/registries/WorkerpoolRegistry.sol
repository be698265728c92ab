// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {AssetRegistry} from "./AssetRegistry.sol";
import {Workerpool, IWorkerpoolPolicyRegistry} from "./Workerpool.sol";
import {IAssetRegistry} from "../interfaces/IAssetRegistry.sol";
import {AssetMetadata as M} from "./AssetMetadata.sol";

/// @title The workerpool registry (PoCo's `WorkerpoolRegistry`, "iExec Workerpool Registry (V5)").
/// @notice Besides the ERC-721 ownership, each workerpool has one "terms" slot here packing its
/// owner (bits 0-159, kept equal to the NFT owner on every mint and transfer), its worker stake
/// ratio (bits 160-247) and its scheduler reward ratio (bits 248-255), so that `workerpoolTerms`
/// answers with one storage read. The `Workerpool` contract's policy getters and `changePolicy`
/// go through this slot.
contract WorkerpoolRegistry is AssetRegistry, IWorkerpoolPolicyRegistry {
    uint256 private constant DEFAULT_WORKER_STAKE_RATIO = 30;
    uint256 private constant DEFAULT_SCHEDULER_REWARD_RATIO = 1;
    uint256 private constant MAX_SCHEDULER_REWARD_RATIO = 100;
    uint256 private constant MAX_WORKER_STAKE_RATIO = type(uint88).max;
    uint256 private constant OWNER_BITS = 160;
    uint256 private constant SCHEDULER_RATIO_SHIFT = 248;
    /// PoCo's workerpool initializer, whose calldata makes the salt.
    bytes4 private constant INITIALIZE = bytes4(keccak256("initialize(string)"));

    mapping(address workerpool => uint256) private _terms;

    /// `caller` does not own the calling workerpool (or the caller is not a workerpool of this registry).
    error NotWorkerpoolOwner(address caller);
    /// The scheduler reward ratio exceeds 100 %.
    error InvalidSchedulerRewardRatio(uint256 ratio);
    /// The worker stake ratio does not fit the 88 bits it is stored in.
    error InvalidWorkerStakeRatio(uint256 ratio);

    constructor()
        AssetRegistry("iExec Workerpool Registry (V5)", "iExecWorkerpoolV5", address(new Workerpool()))
    {}

    /// @notice Creates a workerpool owned by `workerpoolOwner` (anyone may call, for any owner)
    /// with policies 30 % / 1 % and mints its NFT (token id = the workerpool's address) to
    /// `workerpoolOwner`. Reverts if the same owner and description were already used.
    function createWorkerpool(address workerpoolOwner, string calldata workerpoolDescription)
        external
        returns (address)
    {
        return _create(
            workerpoolOwner,
            abi.encodeWithSelector(INITIALIZE, workerpoolDescription),
            abi.encodePacked(M.prefix(bytes(workerpoolDescription)), workerpoolDescription)
        );
    }

    /// @notice The address `createWorkerpool` gives for these arguments.
    function predictWorkerpool(address workerpoolOwner, string calldata workerpoolDescription)
        external
        view
        returns (address)
    {
        return _predict(
            workerpoolOwner,
            abi.encodeWithSelector(INITIALIZE, workerpoolDescription),
            abi.encodePacked(M.prefix(bytes(workerpoolDescription)), workerpoolDescription)
        );
    }

    /// @notice Owner and policies of `workerpool` in one storage read; all zero when it is not
    /// registered here.
    function workerpoolTerms(address workerpool)
        external
        view
        returns (address owner, uint256 workerStakeRatio, uint256 schedulerRewardRatio)
    {
        uint256 terms = _terms[workerpool];
        owner = address(uint160(terms));
        workerStakeRatio = uint88(terms >> OWNER_BITS);
        schedulerRewardRatio = terms >> SCHEDULER_RATIO_SHIFT;
    }

    /// @notice Called by a workerpool's `changePolicy`: sets the calling workerpool's policies if
    /// `caller` owns it; returns the previous ones.
    function updateWorkerpoolPolicy(address caller, uint256 newWorkerStakeRatio, uint256 newSchedulerRewardRatio)
        external
        returns (uint256 oldWorkerStakeRatio, uint256 oldSchedulerRewardRatio)
    {
        uint256 terms = _terms[msg.sender];
        address poolOwner = address(uint160(terms));
        if (poolOwner == address(0) || caller != poolOwner) revert NotWorkerpoolOwner(caller);
        if (newSchedulerRewardRatio > MAX_SCHEDULER_REWARD_RATIO) {
            revert InvalidSchedulerRewardRatio(newSchedulerRewardRatio);
        }
        if (newWorkerStakeRatio > MAX_WORKER_STAKE_RATIO) revert InvalidWorkerStakeRatio(newWorkerStakeRatio);
        oldWorkerStakeRatio = uint88(terms >> OWNER_BITS);
        oldSchedulerRewardRatio = terms >> SCHEDULER_RATIO_SHIFT;
        _terms[msg.sender] = uint256(uint160(poolOwner)) | (newWorkerStakeRatio << OWNER_BITS)
            | (newSchedulerRewardRatio << SCHEDULER_RATIO_SHIFT);
    }

    /// @notice The owner of `workerpool`, zero when it is not registered here (never reverts).
    function assetOwner(address workerpool) external view override(AssetRegistry, IAssetRegistry) returns (address) {
        return address(uint160(_terms[workerpool]));
    }

    /// Keeps the owner copy in the terms slot equal to the NFT owner; a new workerpool gets the
    /// default policies.
    function _update(address to, uint256 tokenId, address auth) internal override returns (address from) {
        from = super._update(to, tokenId, auth);
        address workerpool = address(uint160(tokenId));
        uint256 policies = from == address(0)
            ? (DEFAULT_WORKER_STAKE_RATIO << OWNER_BITS) | (DEFAULT_SCHEDULER_REWARD_RATIO << SCHEDULER_RATIO_SHIFT)
            : (_terms[workerpool] >> OWNER_BITS) << OWNER_BITS;
        _terms[workerpool] = policies | uint256(uint160(to));
    }
}
