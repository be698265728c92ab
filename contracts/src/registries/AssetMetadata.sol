// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

/// @title The metadata of an asset, as its registry appends it to the asset's code.
/// @notice An asset is an EIP-1167 clone "with immutable arguments" (OpenZeppelin `Clones`):
/// its registry appends the metadata to the clone's code at creation, and the getters read it
/// back from there (one EXTCODECOPY) instead of from storage. Code costs 200 gas per byte
/// against about 690 per byte for fresh storage, and the clone needs no `initialize` call.
///
/// Encoding: the fixed-size fields first (a bytes32 checksum for apps and datasets), then each
/// variable field as its length on 2 bytes (big-endian) followed by its bytes. A clone's code is
/// at most 24,576 bytes, so the metadata of one asset is at most 24,531 bytes (more reverts
/// with `CloneArgumentsTooLong`) and every length fits 2 bytes.
library AssetMetadata {
    /// A variable field longer than 65,535 bytes (the metadata could not be deployed anyway).
    error FieldTooLong(uint256 length);

    /// The 2-byte length prefix of a variable field.
    function prefix(bytes calldata value) internal pure returns (bytes2) {
        if (value.length > type(uint16).max) revert FieldTooLong(value.length);
        return bytes2(uint16(value.length));
    }

    /// The bytes32 at `offset` (zero when the metadata is empty: the implementation itself).
    function word(bytes memory metadata, uint256 offset) internal pure returns (bytes32 value) {
        if (metadata.length < offset + 32) return 0;
        assembly ("memory-safe") {
            value := mload(add(add(metadata, 0x20), offset))
        }
    }

    /// Variable field `index` (0-based) after `fixedLength` bytes of fixed fields (empty when
    /// the metadata is empty: the implementation itself).
    function field(bytes memory metadata, uint256 fixedLength, uint256 index)
        internal
        pure
        returns (bytes memory value)
    {
        if (metadata.length == 0) return value;
        uint256 offset = fixedLength;
        for (uint256 i = 0; i < index; i++) {
            offset += 2 + _length(metadata, offset);
        }
        uint256 length = _length(metadata, offset);
        value = new bytes(length);
        assembly ("memory-safe") {
            mcopy(add(value, 0x20), add(add(metadata, 0x22), offset), length)
        }
    }

    function _length(bytes memory metadata, uint256 offset) private pure returns (uint256 length) {
        assembly ("memory-safe") {
            length := shr(240, mload(add(add(metadata, 0x20), offset)))
        }
    }
}
