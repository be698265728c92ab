// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {AssetRegistry} from "./AssetRegistry.sol";
import {Dataset} from "./Dataset.sol";

/// @title The dataset registry (PoCo's `DatasetRegistry`, "iExec Dataset Registry (V5)").
contract DatasetRegistry is AssetRegistry {
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
        return _create(datasetOwner, abi.encodeCall(Dataset.initialize, (datasetName, datasetMultiaddr, datasetChecksum)));
    }

    /// @notice The address `createDataset` gives for these arguments.
    function predictDataset(
        address datasetOwner,
        string calldata datasetName,
        bytes calldata datasetMultiaddr,
        bytes32 datasetChecksum
    ) external view returns (address) {
        return _predict(datasetOwner, abi.encodeCall(Dataset.initialize, (datasetName, datasetMultiaddr, datasetChecksum)));
    }
}
