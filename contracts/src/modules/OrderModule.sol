// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {Types} from "../interfaces/Types.sol";
import {IAssetRegistry} from "../interfaces/IAssetRegistry.sol";
import {LibStorage} from "../libs/LibStorage.sol";
import {LibSignature} from "../libs/LibSignature.sol";
import {LibOrderHash} from "../libs/LibOrderHash.sol";
import {ModuleBase} from "./ModuleBase.sol";

/// @title Presigning and closing orders, order broadcast events, consumption views
/// (poco.md §6).
/// @notice An operation is accepted from the order's owner (the asset owner per its registry,
/// or the request order's requester), or from anyone carrying the owner's EIP-712 signature of
/// the `*OrderOperation`. The order's own `sign` field is ignored.
contract OrderModule is ModuleBase {
    /// @notice Presigns (SIGN) or closes (CLOSE) an app order.
    function manageAppOrder(Types.AppOrderOperation calldata operation) external {
        LibStorage.Layout storage s = LibStorage.store();
        address owner = IAssetRegistry(s.appRegistry).assetOwner(operation.order.app);
        bytes32 structHash = LibOrderHash.structHash(operation.order);
        bytes32 orderHash = _authorize(
            owner, structHash, LibOrderHash.APPORDEROPERATION_TYPEHASH, operation.operation, operation.sign
        );
        if (operation.operation == Types.OrderOperationEnum.SIGN) {
            s.presigned[orderHash] = owner;
            emit SignedAppOrder(orderHash);
        } else {
            s.consumed[orderHash] = operation.order.volume;
            emit ClosedAppOrder(orderHash);
        }
    }

    /// @notice Presigns (SIGN) or closes (CLOSE) a dataset order.
    function manageDatasetOrder(Types.DatasetOrderOperation calldata operation) external {
        LibStorage.Layout storage s = LibStorage.store();
        address owner = IAssetRegistry(s.datasetRegistry).assetOwner(operation.order.dataset);
        bytes32 structHash = LibOrderHash.structHash(operation.order);
        bytes32 orderHash = _authorize(
            owner, structHash, LibOrderHash.DATASETORDEROPERATION_TYPEHASH, operation.operation, operation.sign
        );
        if (operation.operation == Types.OrderOperationEnum.SIGN) {
            s.presigned[orderHash] = owner;
            emit SignedDatasetOrder(orderHash);
        } else {
            s.consumed[orderHash] = operation.order.volume;
            emit ClosedDatasetOrder(orderHash);
        }
    }

    /// @notice Presigns (SIGN) or closes (CLOSE) a workerpool order.
    function manageWorkerpoolOrder(Types.WorkerpoolOrderOperation calldata operation) external {
        LibStorage.Layout storage s = LibStorage.store();
        address owner = IAssetRegistry(s.workerpoolRegistry).assetOwner(operation.order.workerpool);
        bytes32 structHash = LibOrderHash.structHash(operation.order);
        bytes32 orderHash = _authorize(
            owner, structHash, LibOrderHash.WORKERPOOLORDEROPERATION_TYPEHASH, operation.operation, operation.sign
        );
        if (operation.operation == Types.OrderOperationEnum.SIGN) {
            s.presigned[orderHash] = owner;
            emit SignedWorkerpoolOrder(orderHash);
        } else {
            s.consumed[orderHash] = operation.order.volume;
            emit ClosedWorkerpoolOrder(orderHash);
        }
    }

    /// @notice Presigns (SIGN) or closes (CLOSE) a request order (owner: its requester).
    function manageRequestOrder(Types.RequestOrderOperation calldata operation) external {
        LibStorage.Layout storage s = LibStorage.store();
        address owner = operation.order.requester;
        bytes32 structHash = LibOrderHash.structHash(operation.order);
        bytes32 orderHash = _authorize(
            owner, structHash, LibOrderHash.REQUESTORDEROPERATION_TYPEHASH, operation.operation, operation.sign
        );
        if (operation.operation == Types.OrderOperationEnum.SIGN) {
            s.presigned[orderHash] = owner;
            emit SignedRequestOrder(orderHash);
        } else {
            s.consumed[orderHash] = operation.order.volume;
            emit ClosedRequestOrder(orderHash);
        }
    }

    /// @notice Publishes an app order in an event (no state change).
    function broadcastAppOrder(Types.AppOrder calldata order) external {
        emit BroadcastAppOrder(order);
    }

    /// @notice Publishes a dataset order in an event (no state change).
    function broadcastDatasetOrder(Types.DatasetOrder calldata order) external {
        emit BroadcastDatasetOrder(order);
    }

    /// @notice Publishes a workerpool order in an event (no state change).
    function broadcastWorkerpoolOrder(Types.WorkerpoolOrder calldata order) external {
        emit BroadcastWorkerpoolOrder(order);
    }

    /// @notice Publishes a request order in an event (no state change).
    function broadcastRequestOrder(Types.RequestOrder calldata order) external {
        emit BroadcastRequestOrder(order);
    }

    /// @notice How much of the order `id` (its EIP-712 hash) is used (its volume once closed).
    function viewConsumed(bytes32 id) external view returns (uint256 consumed) {
        return LibStorage.store().consumed[id];
    }

    /// @notice Who presigned the order `id` (zero if nobody).
    function viewPresigned(bytes32 id) external view returns (address signer) {
        return LibStorage.store().presigned[id];
    }

    /// Requires the caller to be `owner` or `sign` to be `owner`'s signature of the operation;
    /// returns the order hash. The operation hash is only computed for relayed operations.
    function _authorize(
        address owner,
        bytes32 orderStructHash,
        bytes32 operationTypehash,
        Types.OrderOperationEnum operation,
        bytes calldata sign
    ) private view returns (bytes32 orderHash) {
        orderHash = LibOrderHash.typedDataHash(orderStructHash);
        if (msg.sender == owner) return orderHash;
        bytes32 operationHash =
            LibOrderHash.typedDataHash(keccak256(abi.encode(operationTypehash, orderStructHash, operation)));
        require(LibSignature.isSignedBy(owner, operationHash, sign), "invalid-sender-or-signature");
    }
}
