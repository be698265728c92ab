// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {IOracleConsumer} from "../interfaces/IAssetRegistry.sol";

/// @title TEST ONLY: a deal callback that burns all the gas it is given (never returns).
contract TestGasWasterCallback is IOracleConsumer {
    /// @notice Loops until out of gas.
    function receiveResult(bytes32, bytes calldata) external pure {
        assembly {
            for {} 1 {} {}
        }
    }
}
