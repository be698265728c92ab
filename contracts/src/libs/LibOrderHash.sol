// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {Types} from "../interfaces/Types.sol";
import {LibStorage} from "./LibStorage.sol";

/// @title EIP-712 hashes of orders and order operations (poco.md §1.2-1.4), domain `iExecODB`
/// `5.0.0` whose separator is computed at configuration and kept in storage (order hashes
/// recompute it from the chain id it was computed for, see `typedDataHash`).
library LibOrderHash {
    bytes32 internal constant APPORDER_TYPEHASH = keccak256(
        "AppOrder(address app,uint256 appprice,uint256 volume,bytes32 tag,address datasetrestrict,address workerpoolrestrict,address requesterrestrict,bytes32 salt)"
    );
    bytes32 internal constant DATASETORDER_TYPEHASH = keccak256(
        "DatasetOrder(address dataset,uint256 datasetprice,uint256 volume,bytes32 tag,address apprestrict,address workerpoolrestrict,address requesterrestrict,bytes32 salt)"
    );
    bytes32 internal constant WORKERPOOLORDER_TYPEHASH = keccak256(
        "WorkerpoolOrder(address workerpool,uint256 workerpoolprice,uint256 volume,bytes32 tag,uint256 category,uint256 trust,address apprestrict,address datasetrestrict,address requesterrestrict,bytes32 salt)"
    );
    bytes32 internal constant REQUESTORDER_TYPEHASH = keccak256(
        "RequestOrder(address app,uint256 appmaxprice,address dataset,uint256 datasetmaxprice,address workerpool,uint256 workerpoolmaxprice,address requester,uint256 volume,bytes32 tag,uint256 category,uint256 trust,address beneficiary,address callback,string params,bytes32 salt)"
    );
    bytes32 internal constant APPORDEROPERATION_TYPEHASH = keccak256(
        "AppOrderOperation(AppOrder order,uint256 operation)AppOrder(address app,uint256 appprice,uint256 volume,bytes32 tag,address datasetrestrict,address workerpoolrestrict,address requesterrestrict,bytes32 salt)"
    );
    bytes32 internal constant DATASETORDEROPERATION_TYPEHASH = keccak256(
        "DatasetOrderOperation(DatasetOrder order,uint256 operation)DatasetOrder(address dataset,uint256 datasetprice,uint256 volume,bytes32 tag,address apprestrict,address workerpoolrestrict,address requesterrestrict,bytes32 salt)"
    );
    bytes32 internal constant WORKERPOOLORDEROPERATION_TYPEHASH = keccak256(
        "WorkerpoolOrderOperation(WorkerpoolOrder order,uint256 operation)WorkerpoolOrder(address workerpool,uint256 workerpoolprice,uint256 volume,bytes32 tag,uint256 category,uint256 trust,address apprestrict,address datasetrestrict,address requesterrestrict,bytes32 salt)"
    );
    bytes32 internal constant REQUESTORDEROPERATION_TYPEHASH = keccak256(
        "RequestOrderOperation(RequestOrder order,uint256 operation)RequestOrder(address app,uint256 appmaxprice,address dataset,uint256 datasetmaxprice,address workerpool,uint256 workerpoolmaxprice,address requester,uint256 volume,bytes32 tag,uint256 category,uint256 trust,address beneficiary,address callback,string params,bytes32 salt)"
    );
    bytes32 internal constant EIP712DOMAIN_TYPEHASH =
        keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)");

    function structHash(Types.AppOrder calldata o) internal pure returns (bytes32) {
        return keccak256(
            abi.encode(
                APPORDER_TYPEHASH,
                o.app,
                o.appprice,
                o.volume,
                o.tag,
                o.datasetrestrict,
                o.workerpoolrestrict,
                o.requesterrestrict,
                o.salt
            )
        );
    }

    function structHash(Types.DatasetOrder calldata o) internal pure returns (bytes32) {
        return keccak256(
            abi.encode(
                DATASETORDER_TYPEHASH,
                o.dataset,
                o.datasetprice,
                o.volume,
                o.tag,
                o.apprestrict,
                o.workerpoolrestrict,
                o.requesterrestrict,
                o.salt
            )
        );
    }

    function structHash(Types.WorkerpoolOrder calldata o) internal pure returns (bytes32) {
        return keccak256(
            abi.encode(
                WORKERPOOLORDER_TYPEHASH,
                o.workerpool,
                o.workerpoolprice,
                o.volume,
                o.tag,
                o.category,
                o.trust,
                o.apprestrict,
                o.datasetrestrict,
                o.requesterrestrict,
                o.salt
            )
        );
    }

    function structHash(Types.RequestOrder calldata o) internal pure returns (bytes32) {
        // Two chunks keep the stack shallow; the concatenation equals a single abi.encode.
        return keccak256(
            bytes.concat(
                abi.encode(
                    REQUESTORDER_TYPEHASH,
                    o.app,
                    o.appmaxprice,
                    o.dataset,
                    o.datasetmaxprice,
                    o.workerpool,
                    o.workerpoolmaxprice,
                    o.requester
                ),
                abi.encode(
                    o.volume, o.tag, o.category, o.trust, o.beneficiary, o.callback, keccak256(bytes(o.params)), o.salt
                )
            )
        );
    }

    function hash(Types.AppOrder calldata o) internal view returns (bytes32) {
        return typedDataHash(structHash(o));
    }

    function hash(Types.DatasetOrder calldata o) internal view returns (bytes32) {
        return typedDataHash(structHash(o));
    }

    function hash(Types.WorkerpoolOrder calldata o) internal view returns (bytes32) {
        return typedDataHash(structHash(o));
    }

    function hash(Types.RequestOrder calldata o) internal view returns (bytes32) {
        return typedDataHash(structHash(o));
    }

    function hash(Types.AppOrderOperation calldata op) internal view returns (bytes32) {
        return typedDataHash(keccak256(abi.encode(APPORDEROPERATION_TYPEHASH, structHash(op.order), op.operation)));
    }

    function hash(Types.DatasetOrderOperation calldata op) internal view returns (bytes32) {
        return typedDataHash(keccak256(abi.encode(DATASETORDEROPERATION_TYPEHASH, structHash(op.order), op.operation)));
    }

    function hash(Types.WorkerpoolOrderOperation calldata op) internal view returns (bytes32) {
        return
            typedDataHash(keccak256(abi.encode(WORKERPOOLORDEROPERATION_TYPEHASH, structHash(op.order), op.operation)));
    }

    function hash(Types.RequestOrderOperation calldata op) internal view returns (bytes32) {
        return typedDataHash(keccak256(abi.encode(REQUESTORDEROPERATION_TYPEHASH, structHash(op.order), op.operation)));
    }

    /// keccak256(0x1901 ‖ domainSeparator ‖ structHash). The stored separator is recomputed from
    /// the chain id it was computed for (kept in the slot of the app registry, which a match
    /// reads anyway): a few hundred gas instead of a cold SLOAD, same value.
    function typedDataHash(bytes32 structHash_) internal view returns (bytes32 digest) {
        LibStorage.Layout storage s = LibStorage.store();
        uint256 chainId = s.domainChainId;
        bytes32 separator = chainId != 0 ? separatorOn(chainId) : s.domainSeparator;
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            mstore(ptr, hex"1901")
            mstore(add(ptr, 0x02), separator)
            mstore(add(ptr, 0x22), structHash_)
            digest := keccak256(ptr, 0x42)
        }
    }

    /// The domain separator of this deployment on the current chain.
    function domainSeparator() internal view returns (bytes32) {
        return separatorOn(block.chainid);
    }

    /// The domain separator of this deployment on chain `chainId`.
    function separatorOn(uint256 chainId) internal view returns (bytes32 separator) {
        bytes32 typeHash = EIP712DOMAIN_TYPEHASH;
        bytes32 nameHash = keccak256("iExecODB");
        bytes32 versionHash = keccak256("5.0.0");
        assembly ("memory-safe") {
            // abi.encode(typeHash, nameHash, versionHash, chainId, address(this)) in free memory.
            let ptr := mload(0x40)
            mstore(ptr, typeHash)
            mstore(add(ptr, 0x20), nameHash)
            mstore(add(ptr, 0x40), versionHash)
            mstore(add(ptr, 0x60), chainId)
            mstore(add(ptr, 0x80), address())
            separator := keccak256(ptr, 0xa0)
        }
    }
}
