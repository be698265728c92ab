// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {DatasetRegistry} from "./registries/DatasetRegistry.sol";

/// @title DataProtector's registry contract: creates a dataset and publishes its data schema.
/// @notice Same ABI as iExec DataProtector's `createDatasetWithSchema` and `DatasetSchema`. The
/// schema is not stored: it lives only in the event (indexers read it from there).
contract DataProtector {
    /// @notice The dataset registry datasets are created in.
    DatasetRegistry public immutable registry;

    /// Emitted once per dataset created here, with its schema (JSON text).
    event DatasetSchema(address indexed dataset, string schema);

    constructor(DatasetRegistry datasetRegistry) {
        registry = datasetRegistry;
    }

    /// @notice Creates the dataset (`registry.createDataset(owner, name, multiaddr, checksum)`,
    /// whose NFT goes to `owner`) and emits its schema. Returns the dataset's address.
    function createDatasetWithSchema(
        address owner,
        string calldata name,
        string calldata schema,
        bytes calldata multiaddr,
        bytes32 checksum
    ) external returns (address dataset) {
        dataset = registry.createDataset(owner, name, multiaddr, checksum);
        emit DatasetSchema(dataset, schema);
    }
}
