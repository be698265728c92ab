// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {AssetRegistry} from "./AssetRegistry.sol";
import {App} from "./App.sol";

/// @title The application registry (PoCo's `AppRegistry`, "iExec Application Registry (V5)").
contract AppRegistry is AssetRegistry {
    constructor() AssetRegistry("iExec Application Registry (V5)", "iExecAppsV5", address(new App())) {}

    /// @notice Creates an application owned by `appOwner` (anyone may call, for any owner) and
    /// mints its NFT (token id = the app's address) to `appOwner`. Reverts if the same owner and
    /// metadata were already used.
    function createApp(
        address appOwner,
        string calldata appName,
        string calldata appType,
        bytes calldata appMultiaddr,
        bytes32 appChecksum,
        bytes calldata appMREnclave
    ) external returns (address) {
        return _create(
            appOwner, abi.encodeCall(App.initialize, (appName, appType, appMultiaddr, appChecksum, appMREnclave))
        );
    }

    /// @notice The address `createApp` gives for these arguments.
    function predictApp(
        address appOwner,
        string calldata appName,
        string calldata appType,
        bytes calldata appMultiaddr,
        bytes32 appChecksum,
        bytes calldata appMREnclave
    ) external view returns (address) {
        return _predict(
            appOwner, abi.encodeCall(App.initialize, (appName, appType, appMultiaddr, appChecksum, appMREnclave))
        );
    }
}
