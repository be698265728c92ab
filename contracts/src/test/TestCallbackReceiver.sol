// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {IOracleConsumer} from "../interfaces/IAssetRegistry.sol";

/// @title TEST ONLY: a deal callback (EIP-1154 consumer) that records its last call.
/// @notice Records the task id, the results, the caller, the gas it received and a call count,
/// and emits `ResultReceived`; in reverting mode it reverts instead.
contract TestCallbackReceiver is IOracleConsumer {
    /// @notice The last `receiveResult` arguments, caller and `gasleft()` on entry.
    bytes32 public lastTaskId;
    bytes public lastResults;
    address public lastCaller;
    uint256 public lastGasLeft;
    /// @notice How many times `receiveResult` succeeded.
    uint256 public callCount;
    /// @notice When true, `receiveResult` reverts.
    bool public reverting;

    event ResultReceived(bytes32 indexed taskId, bytes results, address caller);

    error CallbackReverts();

    /// @notice Turns the reverting mode on or off (anyone: test contract).
    function setReverting(bool on) external {
        reverting = on;
    }

    /// @notice EIP-1154 callback.
    function receiveResult(bytes32 taskId, bytes calldata results) external {
        uint256 gasLeft = gasleft();
        if (reverting) revert CallbackReverts();
        lastTaskId = taskId;
        lastResults = results;
        lastCaller = msg.sender;
        lastGasLeft = gasLeft;
        callCount += 1;
        emit ResultReceived(taskId, results, msg.sender);
    }
}
