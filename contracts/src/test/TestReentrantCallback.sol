// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {IOracleConsumer} from "../interfaces/IAssetRegistry.sol";

/// @title TEST ONLY: a deal callback that calls back into a contract (e.g. the protocol) when it
/// receives a result, to exercise re-entrancy.
/// @notice `arm(target, data)` sets the call to make; `receiveResult` makes it (if armed), records
/// whether it succeeded and what it returned, and never reverts itself.
contract TestReentrantCallback is IOracleConsumer {
    /// @notice The call made on `receiveResult`.
    address public target;
    bytes public data;
    /// @notice Outcome of the last re-entrant call.
    bool public lastSuccess;
    bytes public lastReturnData;
    /// @notice How many times `receiveResult` ran.
    uint256 public callCount;

    event Reentered(bytes32 indexed taskId, bool success, bytes returnData);

    /// @notice Sets the call to make on `receiveResult` (target zero: none). Anyone: test contract.
    function arm(address newTarget, bytes calldata newData) external {
        target = newTarget;
        data = newData;
    }

    /// @notice EIP-1154 callback: makes the armed call and records its outcome.
    function receiveResult(bytes32 taskId, bytes calldata) external {
        callCount += 1;
        address to = target;
        if (to == address(0)) return;
        (bool success, bytes memory returnData) = to.call(data);
        lastSuccess = success;
        lastReturnData = returnData;
        emit Reentered(taskId, success, returnData);
    }
}
