// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {AssetRegistry} from "./AssetRegistry.sol";
import {Dataset} from "./Dataset.sol";
import {AssetMetadata as M} from "./AssetMetadata.sol";

/// @title The dataset registry (PoCo's `DatasetRegistry`, "iExec Dataset Registry (V5)").
contract DatasetRegistry is AssetRegistry {
    /// PoCo's dataset initializer, whose calldata makes the salt.
    bytes4 private constant INITIALIZE = bytes4(keccak256("initialize(string,bytes,bytes32)"));

    constructor() AssetRegistry("iExec Dataset Registry (V5)", "iExecDatasetsV5", address(new Dataset())) {}

    /// @notice Creates a dataset owned by `datasetOwner` (anyone may call, for any owner) and
    /// mints its NFT (token id = the dataset's address) to `datasetOwner`. Reverts if the same
    /// owner and metadata were already used.
    function createDataset(
        address datasetOwner,
        string calldata datasetName,
        bytes calldata datasetMultiaddr,
        bytes32 datasetChecksum
    ) external returns (address) {
        return _create(
            datasetOwner,
            abi.encodeWithSelector(INITIALIZE, datasetName, datasetMultiaddr, datasetChecksum),
            _metadata(datasetName, datasetMultiaddr, datasetChecksum)
        );
    }

    /// @notice The address `createDataset` gives for these arguments.
    function predictDataset(
        address datasetOwner,
        string calldata datasetName,
        bytes calldata datasetMultiaddr,
        bytes32 datasetChecksum
    ) external view returns (address) {
        return _predict(
            datasetOwner,
            abi.encodeWithSelector(INITIALIZE, datasetName, datasetMultiaddr, datasetChecksum),
            _metadata(datasetName, datasetMultiaddr, datasetChecksum)
        );
    }

    /// checksum, then name, multiaddr (see `Dataset`).
    function _metadata(string calldata datasetName, bytes calldata datasetMultiaddr, bytes32 datasetChecksum)
        private
        pure
        returns (bytes memory)
    {
        return abi.encodePacked(
            datasetChecksum, M.prefix(bytes(datasetName)), datasetName, M.prefix(datasetMultiaddr), datasetMultiaddr
        );
    }
}
