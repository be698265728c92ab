// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {IERC721} from "@openzeppelin/contracts/token/ERC721/IERC721.sol";

/// @title What every registered asset shares (PoCo's `RegistryEntry` surface).
/// @notice Assets are EIP-1167 clones of an implementation that their registry deploys in its
/// own constructor: the implementation records its deployer as an immutable, so every clone
/// knows its registry without a storage slot. The asset is NFT `uint256(uint160(asset))` of that
/// registry and its owner is the NFT's owner: transferring the NFT transfers the asset.
///
/// Initialization: only the registry may call an asset's `initialize`, and it does so exactly
/// once per clone, in the transaction that creates the clone at its CREATE2 address (the address
/// can be created only once). Every later call reverts, so no "initialized" flag is stored.
abstract contract RegistryEntry {
    address private immutable REGISTRY;

    /// The caller is not the registry of this asset.
    error NotRegistry(address caller);

    constructor() {
        REGISTRY = msg.sender;
    }

    modifier onlyRegistry() {
        if (msg.sender != REGISTRY) revert NotRegistry(msg.sender);
        _;
    }

    /// @notice The registry that created this asset.
    function registry() public view returns (address) {
        return REGISTRY;
    }

    /// @notice The asset's owner: the owner of NFT `uint256(uint160(address(this)))` in the registry.
    function owner() public view returns (address) {
        return IERC721(REGISTRY).ownerOf(uint256(uint160(address(this))));
    }

    /// @notice ENS reverse naming, as PoCo: not supported on this chain (always reverts).
    function setName(address, string calldata) external pure {
        revert("Operation not supported on this chain");
    }
}
