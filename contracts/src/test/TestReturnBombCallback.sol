// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

/// @title TEST ONLY: a deal callback that returns a large blob (a "return bomb"), to check that
/// the protocol does not copy a callback's return data.
contract TestReturnBombCallback {
    /// @notice Bytes of (zero) return data `receiveResult` produces.
    uint256 public immutable returnSize;

    constructor(uint256 size) {
        returnSize = size;
    }

    /// @notice Returns `returnSize` zero bytes (as raw return data).
    function receiveResult(bytes32, bytes calldata) external view {
        uint256 size = returnSize;
        assembly {
            return(0, size)
        }
    }
}
