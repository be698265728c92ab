// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {Types} from "../interfaces/Types.sol";
import {IConfide} from "../interfaces/IConfide.sol";
import {IAssetRegistry} from "../interfaces/IAssetRegistry.sol";
import {LibStorage} from "../libs/LibStorage.sol";
import {LibSignature} from "../libs/LibSignature.sol";
import {LibOrderHash} from "../libs/LibOrderHash.sol";
import {LibPacked as P} from "../libs/LibPacked.sol";
import {MatchCore} from "./MatchCore.sol";

/// @title Order matching and the signature views (poco.md §1.4-1.8, §2). Compiled into the
/// `Confide` router (no dispatch hop).
abstract contract MatchModule is MatchCore {
    /// @notice Matches an app, dataset (all-zero order when none), workerpool and request order
    /// into a deal paid by the requester. Reverts with PoCo's `iExecV5-matchOrders-0xNN`.
    /// @return dealId keccak256(requestHash ‖ consumed[requestHash] before the match).
    function matchOrders(
        Types.AppOrder calldata appOrder,
        Types.DatasetOrder calldata datasetOrder,
        Types.WorkerpoolOrder calldata workerpoolOrder,
        Types.RequestOrder calldata requestOrder
    ) external returns (bytes32) {
        return _matchOrders(appOrder, datasetOrder, workerpoolOrder, requestOrder, requestOrder.requester);
    }

    /// @notice Same as `matchOrders`, the deal being paid by the caller (the sponsor), who gets
    /// the refund if the tasks fail. Emits `DealSponsored`.
    /// @return dealId the new deal.
    function sponsorMatchOrders(
        Types.AppOrder calldata appOrder,
        Types.DatasetOrder calldata datasetOrder,
        Types.WorkerpoolOrder calldata workerpoolOrder,
        Types.RequestOrder calldata requestOrder
    ) external returns (bytes32 dealId) {
        dealId = _matchOrders(appOrder, datasetOrder, workerpoolOrder, requestOrder, msg.sender);
        emit DealSponsored(dealId, msg.sender);
    }

    /// @notice The volume a match of these orders would have now (0 if an order is used up).
    /// No other check is made.
    function computeDealVolume(
        Types.AppOrder calldata appOrder,
        Types.DatasetOrder calldata datasetOrder,
        Types.WorkerpoolOrder calldata workerpoolOrder,
        Types.RequestOrder calldata requestOrder
    ) external view returns (uint256) {
        return _dealVolume(LibStorage.store(), appOrder, datasetOrder, workerpoolOrder, requestOrder);
    }

    /// @notice Whether `identity` signed `hash` (ECDSA 65/64 bytes for an account, ERC-1271 for
    /// a contract). Reverts `invalid-signature-format` for an account and another length.
    function verifySignature(address identity, bytes32 hash, bytes calldata signature) external view returns (bool) {
        return LibSignature.isSignedBy(identity, hash, signature);
    }

    /// @notice Whether `identity` presigned `hash` on-chain.
    function verifyPresignature(address identity, bytes32 hash) external view returns (bool) {
        return LibSignature.isPresignedBy(identity, hash);
    }

    /// @notice Whether `identity` presigned or signed `hash` (the check `matchOrders` makes).
    function verifyPresignatureOrSignature(address identity, bytes32 hash, bytes calldata signature)
        external
        view
        returns (bool)
    {
        return _isPresignedOrSignedBy(identity, hash, signature);
    }

    /// @notice Reverts with `IncompatibleDatasetOrder(reason)` unless `datasetOrder` could be
    /// used for a task of `dealId` (bulk processing, poco.md §2.9): the order has volume left,
    /// is presigned or signed by the dataset owner, the deal exists and has no dataset, the
    /// order's restrictions admit the deal's app, workerpool and requester, and the deal's tag
    /// holds every bit of the order's tag (TEE-framework bits aside). Consumes nothing.
    function assertDatasetDealCompatibility(Types.DatasetOrder calldata datasetOrder, bytes32 dealId)
        external
        view
    {
        LibStorage.Layout storage s = LibStorage.store();
        bytes32 datasetHash = LibOrderHash.hash(datasetOrder);
        if (s.consumed[datasetHash] >= datasetOrder.volume) {
            revert IConfide.IncompatibleDatasetOrder("Dataset order is revoked or fully consumed");
        }
        address datasetOwner = IAssetRegistry(s.datasetRegistry).assetOwner(datasetOrder.dataset);
        if (!LibSignature.isPresignedOrSignedBy(datasetOwner, datasetHash, datasetOrder.sign)) {
            revert IConfide.IncompatibleDatasetOrder("Invalid dataset order signature");
        }
        LibStorage.Deal storage deal = s.deals[dealId];
        if (deal.requester == address(0)) revert IConfide.IncompatibleDatasetOrder("Deal not found");
        if (deal.dataset != address(0)) revert IConfide.IncompatibleDatasetOrder("Deal already has a dataset");
        if (!_isAuthorizedByRestriction(datasetOrder.apprestrict, deal.app)) {
            revert IConfide.IncompatibleDatasetOrder("App restriction not satisfied");
        }
        if (!_isAuthorizedByRestriction(datasetOrder.workerpoolrestrict, deal.workerpool)) {
            revert IConfide.IncompatibleDatasetOrder("Workerpool restriction not satisfied");
        }
        if (!_isAuthorizedByRestriction(datasetOrder.requesterrestrict, deal.requester)) {
            revert IConfide.IncompatibleDatasetOrder("Requester restriction not satisfied");
        }
        bytes32 datasetTag = datasetOrder.tag & DATASET_TAG_MASK;
        if (P.tag(deal, P.word(deal, P.DEAL_CONFIG)) & datasetTag != datasetTag) {
            revert IConfide.IncompatibleDatasetOrder("Tag compatibility not satisfied");
        }
    }
}
