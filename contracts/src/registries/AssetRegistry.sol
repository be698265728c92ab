// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";
import {ERC721Enumerable} from "@openzeppelin/contracts/token/ERC721/extensions/ERC721Enumerable.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {Clones} from "@openzeppelin/contracts/proxy/Clones.sol";
import {IAssetRegistry} from "../interfaces/IAssetRegistry.sol";

/// @title What the three asset registries share (PoCo's `Registry` surface).
/// @notice An ERC-721 Enumerable whose token ids are asset addresses. `createX` deploys an
/// EIP-1167 clone of `master` whose code ends with the asset's metadata (`AssetMetadata`: no
/// storage, no initialization call) with CREATE2, salt = keccak256(abi.encodePacked(initializer
/// calldata, owner)) as PoCo (the calldata of PoCo's `initialize(...)` with the same
/// metadata), so one (owner, metadata) pair can be created once only (a second attempt reverts
/// with `FailedDeployment()`); mints its NFT to the owner (with `_mint`: no receiver callback).
/// Not upgradable; there is no previous registry.
abstract contract AssetRegistry is ERC721Enumerable, Ownable, IAssetRegistry {
    /// EIP-1167 creation code around the implementation address (OpenZeppelin `Clones`).
    bytes20 private constant CLONE_PREFIX = hex"3d602d80600a3d3981f3363d3d373d3d3d363d73";
    bytes15 private constant CLONE_SUFFIX = hex"5af43d82803e903d91602b57fd5bf3";

    address private immutable MASTER;
    string private _baseTokenURI;

    /// This registry has no `previous` registry to be initialized with.
    error AlreadyInitialized();

    constructor(string memory name_, string memory symbol_, address master_)
        ERC721(name_, symbol_)
        Ownable(msg.sender)
    {
        MASTER = master_;
    }

    /// @notice The implementation every asset of this registry is a clone of.
    function master() external view returns (address) {
        return MASTER;
    }

    /// @notice The creation code of a plain EIP-1167 clone of `master`. An asset's creation code
    /// differs: it also carries the asset's metadata, so its address is given by `predictX`.
    function proxyCode() public view returns (bytes memory) {
        return abi.encodePacked(CLONE_PREFIX, MASTER, CLONE_SUFFIX);
    }

    /// @notice keccak256 of `proxyCode()`.
    function proxyCodeHash() external view returns (bytes32) {
        return keccak256(proxyCode());
    }

    /// @notice The registry this one extends (PoCo's migration chain): none.
    function previous() external pure returns (address) {
        return address(0);
    }

    /// @notice PoCo's one-time `initialize(previous)` step: this registry is complete at construction.
    function initialized() external pure returns (bool) {
        return true;
    }

    /// @notice Always reverts (`AlreadyInitialized`): there is no previous registry to set.
    function initialize(address) external pure {
        revert AlreadyInitialized();
    }

    /// @notice Whether `asset` was created by this registry.
    function isRegistered(address asset) external view returns (bool) {
        return _ownerOf(uint256(uint160(asset))) != address(0);
    }

    /// @notice The owner of `asset`, zero when it is not registered here (never reverts).
    function assetOwner(address asset) external view virtual returns (address) {
        return _ownerOf(uint256(uint160(asset)));
    }

    /// @notice Prefix of `tokenURI` (the token id is appended in decimal).
    function baseURI() external view returns (string memory) {
        return _baseTokenURI;
    }

    /// @notice Sets the `tokenURI` prefix; registry owner only.
    function setBaseURI(string calldata newBaseURI) external onlyOwner {
        _baseTokenURI = newBaseURI;
    }

    /// @notice ENS reverse naming, as PoCo: not supported on this chain (always reverts).
    function setName(address, string calldata) external pure {
        revert("Operation not supported on this chain");
    }

    function _baseURI() internal view override returns (string memory) {
        return _baseTokenURI;
    }

    /// Creates with `metadata` in its code and mints to `owner` the asset of (`initializer`,
    /// `owner`) (`initializer`: the calldata of PoCo's initializer, for the salt).
    function _create(address owner, bytes memory initializer, bytes memory metadata)
        internal
        returns (address asset)
    {
        asset = Clones.cloneDeterministicWithImmutableArgs(MASTER, metadata, _salt(initializer, owner));
        _mint(owner, uint256(uint160(asset)));
    }

    /// The address `_create(owner, initializer, metadata)` creates.
    function _predict(address owner, bytes memory initializer, bytes memory metadata)
        internal
        view
        returns (address)
    {
        return Clones.predictDeterministicAddressWithImmutableArgs(MASTER, metadata, _salt(initializer, owner));
    }

    function _salt(bytes memory initializer, address owner) private pure returns (bytes32) {
        return keccak256(abi.encodePacked(initializer, owner));
    }
}
