// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {AssetRegistry} from "./AssetRegistry.sol";
import {App} from "./App.sol";
import {AssetMetadata as M} from "./AssetMetadata.sol";

/// @title The application registry (PoCo's `AppRegistry`, "iExec Application Registry (V5)").
contract AppRegistry is AssetRegistry {
    /// PoCo's app initializer, whose calldata makes the salt.
    bytes4 private constant INITIALIZE = bytes4(keccak256("initialize(string,string,bytes,bytes32,bytes)"));

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
            appOwner,
            abi.encodeWithSelector(INITIALIZE, appName, appType, appMultiaddr, appChecksum, appMREnclave),
            _metadata(appName, appType, appMultiaddr, appChecksum, appMREnclave)
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
            appOwner,
            abi.encodeWithSelector(INITIALIZE, appName, appType, appMultiaddr, appChecksum, appMREnclave),
            _metadata(appName, appType, appMultiaddr, appChecksum, appMREnclave)
        );
    }

    /// checksum, then name, type, multiaddr, MREnclave (see `App`).
    function _metadata(
        string calldata appName,
        string calldata appType,
        bytes calldata appMultiaddr,
        bytes32 appChecksum,
        bytes calldata appMREnclave
    ) private pure returns (bytes memory) {
        return abi.encodePacked(
            appChecksum,
            M.prefix(bytes(appName)),
            appName,
            M.prefix(bytes(appType)),
            appType,
            M.prefix(appMultiaddr),
            appMultiaddr,
            M.prefix(appMREnclave),
            appMREnclave
        );
    }
}
