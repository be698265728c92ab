// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

/// @title What the protocol asks of Confide's asset registries (one call per asset).
interface IAssetRegistry {
    /// The asset's owner, or the zero address when `asset` is not registered here.
    function assetOwner(address asset) external view returns (address);

    /// Whether `asset` was created by this registry (PoCo's `isRegistered`).
    function isRegistered(address asset) external view returns (bool);
}

/// @title The workerpool registry also returns a pool's policies with its owner.
interface IWorkerpoolRegistry is IAssetRegistry {
    /// Owner and policies of `workerpool` (owner zero when not registered).
    function workerpoolTerms(address workerpool)
        external
        view
        returns (address owner, uint256 workerStakeRatio, uint256 schedulerRewardRatio);
}

/// @title ERC-734 key manager, as restriction groups use it.
interface IERC734 {
    function keyHasPurpose(bytes32 key, uint256 purpose) external view returns (bool);
}

/// @title A deal's callback contract (EIP-1154 oracle consumer).
interface IOracleConsumer {
    function receiveResult(bytes32 taskId, bytes calldata results) external;
}
