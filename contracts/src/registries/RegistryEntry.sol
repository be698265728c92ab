// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {IERC721} from "@openzeppelin/contracts/token/ERC721/IERC721.sol";
import {Clones} from "@openzeppelin/contracts/proxy/Clones.sol";

/// @title What every registered asset shares (PoCo's `RegistryEntry` surface).
/// @notice Assets are EIP-1167 clones of an implementation that their registry deploys in its
/// own constructor: the implementation records its deployer as an immutable, so every clone
/// knows its registry without a storage slot. The asset is NFT `uint256(uint160(asset))` of that
/// registry and its owner is the NFT's owner: transferring the NFT transfers the asset.
///
/// Metadata: written once, at creation, at the end of the clone's code (see `AssetMetadata`);
/// an asset has no storage of its own and no `initialize`.
abstract contract RegistryEntry {
    address private immutable REGISTRY;
    address private immutable SELF;

    constructor() {
        REGISTRY = msg.sender;
        SELF = address(this);
    }

    /// The metadata appended to this clone's code (empty on the implementation itself).
    function _metadata() internal view returns (bytes memory) {
        if (address(this) == SELF) return "";
        return Clones.fetchCloneArgs(address(this));
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
