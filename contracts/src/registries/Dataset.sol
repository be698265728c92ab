// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {RegistryEntry} from "./RegistryEntry.sol";

/// @title A dataset (PoCo's `Dataset`): a clone created by the `DatasetRegistry`.
/// @notice Metadata is written once, at creation, and never changes.
contract Dataset is RegistryEntry {
    /// @notice The dataset's name.
    string public m_datasetName;
    /// @notice Where the (encrypted) dataset is, e.g. the bytes of `/ipfs/<cid>`.
    bytes public m_datasetMultiaddr;
    /// @notice sha256 of the dataset file, checked by workers (zero: unchecked).
    bytes32 public m_datasetChecksum;

    /// @notice Records the metadata; called once by the registry when it creates the clone.
    /// Empty values leave their slot untouched (it reads back empty).
    function initialize(string calldata datasetName, bytes calldata datasetMultiaddr, bytes32 datasetChecksum)
        external
        onlyRegistry
    {
        if (bytes(datasetName).length != 0) m_datasetName = datasetName;
        if (datasetMultiaddr.length != 0) m_datasetMultiaddr = datasetMultiaddr;
        if (datasetChecksum != bytes32(0)) m_datasetChecksum = datasetChecksum;
    }
}
