// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

/// @title TEST ONLY: a spender for the token's `approveAndCall` that records the call and
/// answers a chosen value (or reverts).
contract TestApprovalReceiver {
    enum Mode {
        ReturnTrue,
        ReturnFalse,
        Revert
    }

    /// @notice How `receiveApproval` answers.
    Mode public mode;
    /// @notice The last `receiveApproval` arguments and caller.
    address public lastFrom;
    uint256 public lastValue;
    address public lastToken;
    bytes public lastExtraData;
    address public lastCaller;

    error ApprovalReceiverReverts();

    /// @notice Sets how `receiveApproval` answers (anyone: test contract).
    function setMode(Mode newMode) external {
        mode = newMode;
    }

    /// @notice The `approveAndCall` callee.
    function receiveApproval(address from, uint256 value, address token, bytes calldata extraData)
        external
        returns (bool)
    {
        Mode current = mode;
        if (current == Mode.Revert) revert ApprovalReceiverReverts();
        lastFrom = from;
        lastValue = value;
        lastToken = token;
        lastExtraData = extraData;
        lastCaller = msg.sender;
        return current == Mode.ReturnTrue;
    }
}
