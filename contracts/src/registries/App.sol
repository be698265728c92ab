// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {RegistryEntry} from "./RegistryEntry.sol";

/// @title An application (PoCo's `App`): a clone created by the `AppRegistry`.
/// @notice Metadata is written once, at creation, and never changes.
contract App is RegistryEntry {
    /// @notice The application's name.
    string public m_appName;
    /// @notice Its type (the SDK accepts "DOCKER").
    string public m_appType;
    /// @notice Where its image is (multiaddr bytes, or the UTF-8 of e.g. a docker image reference).
    bytes public m_appMultiaddr;
    /// @notice The image checksum (e.g. the image digest).
    bytes32 public m_appChecksum;
    /// @notice The TEE enclave configuration (UTF-8 JSON), empty for a standard application.
    bytes public m_appMREnclave;

    /// @notice Records the metadata; called once by the registry when it creates the clone.
    /// Empty values leave their slot untouched (it reads back empty).
    function initialize(
        string calldata appName,
        string calldata appType,
        bytes calldata appMultiaddr,
        bytes32 appChecksum,
        bytes calldata appMREnclave
    ) external onlyRegistry {
        if (bytes(appName).length != 0) m_appName = appName;
        if (bytes(appType).length != 0) m_appType = appType;
        if (appMultiaddr.length != 0) m_appMultiaddr = appMultiaddr;
        if (appChecksum != bytes32(0)) m_appChecksum = appChecksum;
        if (appMREnclave.length != 0) m_appMREnclave = appMREnclave;
    }
}
