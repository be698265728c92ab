// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {IConfide} from "../interfaces/IConfide.sol";
import {LibStorage} from "../libs/LibStorage.sol";
import {LibOrderHash} from "../libs/LibOrderHash.sol";
import {Constants} from "../libs/Constants.sol";
import {ModuleBase} from "./ModuleBase.sol";

/// @title Ownership and configuration (poco.md §1.3, §3.12, §8).
/// @notice The owner configures the protocol once, adds categories and may change the TEE
/// broker, the callback gas and the registries. The protocol constants cannot be changed.
contract AdminModule is ModuleBase {
    /// The largest category time reference accepted (136 years): deadlines derived from it
    /// (start + 10·timeref) must fit the packed timestamps of tasks.
    uint256 internal constant MAX_TIMEREF = type(uint32).max;

    /// @notice The owner of the protocol (ERC-173).
    function owner() external view returns (address) {
        return LibStorage.store().owner;
    }

    /// @notice Hands the protocol over to `newOwner` (owner only; not the zero address: see
    /// `renounceOwnership`).
    function transferOwnership(address newOwner) external onlyOwner {
        require(newOwner != address(0), "Ownable: new owner is the zero address");
        _setOwner(newOwner);
    }

    /// @notice Leaves the protocol without owner: configuration becomes impossible for ever.
    function renounceOwnership() external onlyOwner {
        _setOwner(address(0));
    }

    /// @notice Configures the protocol, once (owner only): the RLC token escrowed, the SRLC
    /// name, symbol and decimals, the three registries. Computes the EIP-712 domain separator
    /// and sets the callback gas to its default. `v3Hub` is ignored (Confide has no v3 hub).
    function configure(
        address token,
        string calldata name,
        string calldata symbol,
        uint8 decimals,
        address appRegistry,
        address datasetRegistry,
        address workerpoolRegistry,
        address /* v3Hub */
    ) external onlyOwner {
        LibStorage.Layout storage s = LibStorage.store();
        require(!s.configured, "already-configured");
        s.configured = true;
        s.callbackGas = uint64(Constants.DEFAULT_CALLBACK_GAS);
        s.token = token;
        s.name = name;
        s.symbol = symbol;
        s.decimals = decimals;
        s.appRegistry = appRegistry;
        s.datasetRegistry = datasetRegistry;
        s.workerpoolRegistry = workerpoolRegistry;
        _setDomainSeparator(s);
    }

    /// @notice Recomputes the EIP-712 domain separator (e.g. after a chain fork changed the
    /// chain id). Anyone may call it once the protocol is configured.
    function updateDomainSeparator() external {
        LibStorage.Layout storage s = LibStorage.store();
        require(s.configured, "not-configured");
        _setDomainSeparator(s);
    }

    /// @notice Appends a category (owner only); `workClockTimeRef` is its maximum computation
    /// time in seconds (at most 2^32 − 1).
    /// @return catid the index of the new category.
    function createCategory(string calldata name, string calldata description, uint256 workClockTimeRef)
        external
        onlyOwner
        returns (uint256 catid)
    {
        if (workClockTimeRef > MAX_TIMEREF) revert IConfide.ValueTooLarge(workClockTimeRef, MAX_TIMEREF);
        LibStorage.Layout storage s = LibStorage.store();
        catid = s.categoryCount;
        if (catid == type(uint32).max) revert IConfide.ValueTooLarge(catid + 1, type(uint32).max);
        s.categoryCount = uint32(catid + 1);
        LibStorage.Category storage category = s.categories[catid];
        category.name = name;
        category.description = description;
        category.workClockTimeRef = workClockTimeRef;
        emit CreateCategory(catid, name, description, workClockTimeRef);
    }

    /// @notice Sets the TEE broker, whose authorizations stand for the scheduler's on TEE tasks
    /// (owner only).
    function setTeeBroker(address teeBroker) external onlyOwner {
        LibStorage.store().teeBroker = teeBroker;
    }

    /// @notice Sets the gas given to deal callbacks at finalize (owner only; at most 2^64 − 1).
    function setCallbackGas(uint256 callbackGas) external onlyOwner {
        if (callbackGas > type(uint64).max) revert IConfide.ValueTooLarge(callbackGas, type(uint64).max);
        LibStorage.store().callbackGas = uint64(callbackGas);
    }

    /// @notice Replaces the three asset registries (owner only).
    function changeRegistries(address appRegistry, address datasetRegistry, address workerpoolRegistry)
        external
        onlyOwner
    {
        LibStorage.Layout storage s = LibStorage.store();
        s.appRegistry = appRegistry;
        s.datasetRegistry = datasetRegistry;
        s.workerpoolRegistry = workerpoolRegistry;
    }

    /// @notice Not supported: PoCo imports worker scores from its v3 hub, which Confide does
    /// not have. Always reverts.
    function importScore(address) external pure {
        revert("importScore-unsupported: Confide has no v3 hub");
    }

    /// Stores the domain separator of the current chain, and the chain id when it fits the
    /// 64 bits `LibOrderHash.typedDataHash` recomputes the separator from.
    function _setDomainSeparator(LibStorage.Layout storage s) private {
        s.domainSeparator = LibOrderHash.domainSeparator();
        s.domainChainId = block.chainid <= type(uint64).max ? uint64(block.chainid) : 0;
    }

    function _setOwner(address newOwner) private {
        LibStorage.Layout storage s = LibStorage.store();
        emit OwnershipTransferred(s.owner, newOwner);
        s.owner = newOwner;
    }
}
