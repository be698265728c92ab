// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {Address} from "@openzeppelin/contracts/utils/Address.sol";

/// @title TEST ONLY: a smart-contract wallet (ERC-1271) driven by one owner EOA.
/// @notice `isValidSignature(hash, sig)` returns the ERC-1271 magic value 0x1626ba7e iff the owner
/// signed `hash` (65-byte ECDSA, no prefix) — or, depending on `mode`, always rejects, reverts,
/// or accepts anything. `execute` lets the owner act as the wallet (deposit, presign its orders,
/// match as requester, transfer its NFTs…), i.e. it is also the "contract requester" of tests.
contract TestERC1271Signer {
    enum Mode {
        Verify, // magic value iff the owner signed the hash
        Reject, // always 0xffffffff
        Revert, // always reverts
        AcceptAll // always the magic value
    }

    bytes4 internal constant MAGIC_VALUE = 0x1626ba7e;

    /// @notice The EOA whose signatures this wallet accepts, and who controls it.
    address public immutable owner;
    /// @notice How `isValidSignature` answers.
    Mode public mode;

    error NotOwner(address caller);
    error SignatureCheckReverts();

    constructor(address walletOwner) {
        owner = walletOwner;
    }

    modifier onlyOwner() {
        if (msg.sender != owner) revert NotOwner(msg.sender);
        _;
    }

    /// @notice Sets how `isValidSignature` answers; owner only.
    function setMode(Mode newMode) external onlyOwner {
        mode = newMode;
    }

    /// @notice ERC-1271.
    function isValidSignature(bytes32 hash, bytes calldata signature) external view returns (bytes4) {
        Mode current = mode;
        if (current == Mode.Revert) revert SignatureCheckReverts();
        if (current == Mode.AcceptAll) return MAGIC_VALUE;
        if (current == Mode.Verify) {
            (address recovered, ECDSA.RecoverError recoverError,) = ECDSA.tryRecoverCalldata(hash, signature);
            if (recoverError == ECDSA.RecoverError.NoError && recovered == owner) return MAGIC_VALUE;
        }
        return 0xffffffff;
    }

    /// @notice Calls `target` with `data` (and `msg.value`) as this wallet; owner only. Bubbles
    /// reverts; returns the call's return data.
    function execute(address target, bytes calldata data) external payable onlyOwner returns (bytes memory) {
        return Address.functionCallWithValue(target, data, msg.value);
    }
}
