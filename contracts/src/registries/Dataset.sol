// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {RegistryEntry} from "./RegistryEntry.sol";
import {AssetMetadata} from "./AssetMetadata.sol";

/// @title A dataset (PoCo's `Dataset`): a clone created by the `DatasetRegistry`.
/// @notice Metadata is written once, at creation, in the clone's code, and never changes:
/// checksum (32 bytes), then name and multiaddr (`AssetMetadata` encoding).
contract Dataset is RegistryEntry {
    /// @notice The dataset's name.
    function m_datasetName() external view returns (string memory) {
        return string(AssetMetadata.field(_metadata(), 32, 0));
    }

    /// @notice Where the (encrypted) dataset is, e.g. the bytes of `/ipfs/<cid>`.
    function m_datasetMultiaddr() external view returns (bytes memory) {
        return AssetMetadata.field(_metadata(), 32, 1);
    }

    /// @notice sha256 of the dataset file, checked by workers (zero: unchecked).
    function m_datasetChecksum() external view returns (bytes32) {
        return AssetMetadata.word(_metadata(), 0);
    }
}
