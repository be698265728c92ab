// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {RegistryEntry} from "./RegistryEntry.sol";
import {AssetMetadata} from "./AssetMetadata.sol";

/// @title An application (PoCo's `App`): a clone created by the `AppRegistry`.
/// @notice Metadata is written once, at creation, in the clone's code, and never changes:
/// checksum (32 bytes), then name, type, multiaddr and MREnclave (`AssetMetadata` encoding).
contract App is RegistryEntry {
    /// @notice The application's name.
    function m_appName() external view returns (string memory) {
        return string(AssetMetadata.field(_metadata(), 32, 0));
    }

    /// @notice Its type (the SDK accepts "DOCKER").
    function m_appType() external view returns (string memory) {
        return string(AssetMetadata.field(_metadata(), 32, 1));
    }

    /// @notice Where its image is (multiaddr bytes, or the UTF-8 of e.g. a docker image reference).
    function m_appMultiaddr() external view returns (bytes memory) {
        return AssetMetadata.field(_metadata(), 32, 2);
    }

    /// @notice The image checksum (e.g. the image digest).
    function m_appChecksum() external view returns (bytes32) {
        return AssetMetadata.word(_metadata(), 0);
    }

    /// @notice The TEE enclave configuration (UTF-8 JSON), empty for a standard application.
    function m_appMREnclave() external view returns (bytes memory) {
        return AssetMetadata.field(_metadata(), 32, 3);
    }
}
