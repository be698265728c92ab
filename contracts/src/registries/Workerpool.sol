// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {RegistryEntry} from "./RegistryEntry.sol";
import {AssetMetadata} from "./AssetMetadata.sol";
import {IWorkerpoolRegistry} from "../interfaces/IAssetRegistry.sol";

/// @title Where a workerpool's policies live: its registry, next to its owner, so that the
/// protocol reads owner and policies in one call and one storage slot.
interface IWorkerpoolPolicyRegistry is IWorkerpoolRegistry {
    /// Sets the policies of the calling workerpool on behalf of `caller`, who must own it;
    /// returns the previous policies.
    function updateWorkerpoolPolicy(address caller, uint256 newWorkerStakeRatio, uint256 newSchedulerRewardRatio)
        external
        returns (uint256 oldWorkerStakeRatio, uint256 oldSchedulerRewardRatio);
}

/// @title A workerpool (PoCo's `Workerpool`): a clone created by the `WorkerpoolRegistry`.
/// @notice The description is written once, at creation, in the clone's code (`AssetMetadata`
/// encoding: one variable field). The two policies (worker stake ratio,
/// initially 30 %, and scheduler reward ratio, initially 1 %) are stored by the registry, which
/// returns them with the owner in `workerpoolTerms`; this contract's getters and `changePolicy`
/// read and write them there, so both views always agree.
contract Workerpool is RegistryEntry {

    /// Emitted by `changePolicy` (PoCo's event).
    event PolicyUpdate(
        uint256 oldWorkerStakeRatioPolicy,
        uint256 newWorkerStakeRatioPolicy,
        uint256 oldSchedulerRewardRatioPolicy,
        uint256 newSchedulerRewardRatioPolicy
    );

    /// @notice The workerpool's description.
    function m_workerpoolDescription() external view returns (string memory) {
        return string(AssetMetadata.field(_metadata(), 0, 0));
    }

    /// @notice Worker stake per contribution, in % of the workerpool price (snapshotted by deals).
    function m_workerStakeRatioPolicy() external view returns (uint256 ratio) {
        (, ratio,) = IWorkerpoolRegistry(registry()).workerpoolTerms(address(this));
    }

    /// @notice The scheduler's share, in %, of a task's worker-side reward (snapshotted by deals).
    function m_schedulerRewardRatioPolicy() external view returns (uint256 ratio) {
        (,, ratio) = IWorkerpoolRegistry(registry()).workerpoolTerms(address(this));
    }

    /// @notice Changes both policies; owner only, the scheduler reward ratio at most 100.
    /// Existing deals keep the values they snapshotted.
    function changePolicy(uint256 newWorkerStakeRatioPolicy, uint256 newSchedulerRewardRatioPolicy) external {
        (uint256 oldWorkerStakeRatio, uint256 oldSchedulerRewardRatio) = IWorkerpoolPolicyRegistry(registry())
            .updateWorkerpoolPolicy(msg.sender, newWorkerStakeRatioPolicy, newSchedulerRewardRatioPolicy);
        emit PolicyUpdate(
            oldWorkerStakeRatio, newWorkerStakeRatioPolicy, oldSchedulerRewardRatio, newSchedulerRewardRatioPolicy
        );
    }
}
