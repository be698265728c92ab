// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {MessageHashUtils} from "@openzeppelin/contracts/utils/cryptography/MessageHashUtils.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {LibStorage} from "./LibStorage.sol";

/// @title Signature checks as PoCo performs them (poco.md §1.5).
/// @notice Contract identities are asked through ERC-1271 (any signature format; a revert is
/// "invalid"). EOAs sign 65-byte (r, s, v ∈ {27, 28}) or 64-byte EIP-2098 signatures with a low
/// `s`; any other length reverts the whole call with `invalid-signature-format`.
library LibSignature {
    /// Whether `identity` signed `hash` (no prefix).
    function isSignedBy(address identity, bytes32 hash, bytes calldata sign) internal view returns (bool) {
        if (identity.code.length > 0) {
            return SignatureChecker.isValidERC1271SignatureNowCalldata(identity, hash, sign);
        }
        if (sign.length != 65 && sign.length != 64) revert("invalid-signature-format");
        return recoversTo(identity, hash, sign);
    }

    /// Whether `sign` is a 65-byte (r, s, v) or 64-byte (EIP-2098) ECDSA signature of `hash`,
    /// with a low `s`, by the key of the non-zero `identity` (any other length: false).
    /// @dev The cheapest proof, tried first where an EOA usually signs: it needs neither the
    /// identity's code (a cold EXTCODESIZE, 2,600 gas) nor a presignature. It gives the
    /// answer of `isSignedBy`/`isPresignedOrSignedBy` whenever it returns true, except for an
    /// account with code whose own key signed (an EIP-7702 delegated EOA), which PoCo would only
    /// ask through ERC-1271.
    function recoversTo(address identity, bytes32 hash, bytes calldata sign) internal pure returns (bool) {
        if (identity == address(0)) return false;
        address recovered;
        ECDSA.RecoverError recoverError = ECDSA.RecoverError.InvalidSignature;
        if (sign.length == 65) {
            bytes32 r;
            bytes32 s;
            uint8 v;
            assembly ("memory-safe") {
                r := calldataload(sign.offset)
                s := calldataload(add(sign.offset, 0x20))
                v := byte(0, calldataload(add(sign.offset, 0x40)))
            }
            (recovered, recoverError,) = ECDSA.tryRecover(hash, v, r, s);
        } else if (sign.length == 64) {
            bytes32 r;
            bytes32 vs;
            assembly ("memory-safe") {
                r := calldataload(sign.offset)
                vs := calldataload(add(sign.offset, 0x20))
            }
            (recovered, recoverError,) = ECDSA.tryRecover(hash, r, vs);
        }
        return recoverError == ECDSA.RecoverError.NoError && recovered == identity;
    }

    /// Whether `identity` presigned `hash` on-chain.
    function isPresignedBy(address identity, bytes32 hash) internal view returns (bool) {
        return identity != address(0) && LibStorage.store().presigned[hash] == identity;
    }

    /// PoCo's order check: presigned or signed.
    function isPresignedOrSignedBy(address identity, bytes32 hash, bytes calldata sign) internal view returns (bool) {
        return isPresignedBy(identity, hash) || isSignedBy(identity, hash, sign);
    }

    /// Whether `identity` signed the EIP-191 personal message of the 32-byte `messageHash`
    /// (scheduler authorizations, enclave signatures): `isSignedBy`, trying `recoversTo` first.
    function isEthSignedBy(address identity, bytes32 messageHash, bytes calldata sign) internal view returns (bool) {
        bytes32 hash = MessageHashUtils.toEthSignedMessageHash(messageHash);
        return recoversTo(identity, hash, sign) || isSignedBy(identity, hash, sign);
    }
}
