// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {Types} from "../interfaces/Types.sol";
import {IConfide} from "../interfaces/IConfide.sol";
import {IAssetRegistry, IWorkerpoolRegistry} from "../interfaces/IAssetRegistry.sol";
import {LibStorage} from "../libs/LibStorage.sol";
import {LibEscrow} from "../libs/LibEscrow.sol";
import {LibSignature} from "../libs/LibSignature.sol";
import {LibOrderHash} from "../libs/LibOrderHash.sol";
import {LibPacked as P} from "../libs/LibPacked.sol";
import {Constants} from "../libs/Constants.sol";
import {ModuleBase} from "./ModuleBase.sol";

/// @title Order matching (poco.md §2), shared by `MatchModule` (`matchOrders`,
/// `sponsorMatchOrders`) and `EscrowModule` (deposit + match through `receiveApproval`).
/// @notice Orders stay in calldata; each order hash is computed once; each asset's owner (and
/// the workerpool's policies) come from one registry call.
abstract contract MatchCore is ModuleBase {
    /// Clears the TEE-framework bits (1..3) of a dataset order's tag (PoCo v6.2).
    bytes32 internal constant DATASET_TAG_MASK = ~bytes32(uint256(0x0E));
    bytes32 internal constant TEE_BIT = bytes32(uint256(0x01));

    /// What the authenticity checks learn, kept in memory to keep the stack shallow.
    struct Matching {
        bytes32 appHash;
        bytes32 datasetHash; // zero without dataset
        bytes32 workerpoolHash;
        bytes32 requestHash;
        address appOwner;
        address datasetOwner; // zero without dataset
        address workerpoolOwner;
        uint256 workerStakeRatio;
        uint256 schedulerRewardRatio;
        bytes32 tag;
        uint256 botFirst; // consumed[requestHash] before the match
        uint256 volume;
    }

    /// Matches the four orders into a deal whose price is locked from `sponsor` (the requester
    /// for a plain match). Checks, locks and events in PoCo's order (poco.md §2.1-2.5).
    function _matchOrders(
        Types.AppOrder calldata app,
        Types.DatasetOrder calldata dataset,
        Types.WorkerpoolOrder calldata pool,
        Types.RequestOrder calldata request,
        address sponsor
    ) internal returns (bytes32 dealId) {
        LibStorage.Layout storage s = LibStorage.store();
        Matching memory m;
        m.tag = _checkCompatibility(s, app, dataset, pool, request);
        _checkAuthenticity(s, m, app, dataset, pool, request);
        bool hasDataset = dataset.dataset != address(0);

        // Availability (0x60) and consumption.
        uint256 appConsumed = s.consumed[m.appHash];
        uint256 volume = app.volume - appConsumed;
        uint256 datasetConsumed;
        if (hasDataset) {
            datasetConsumed = s.consumed[m.datasetHash];
            volume = _min(volume, dataset.volume - datasetConsumed);
        }
        uint256 poolConsumed = s.consumed[m.workerpoolHash];
        volume = _min(volume, pool.volume - poolConsumed);
        uint256 botFirst = s.consumed[m.requestHash];
        volume = _min(volume, request.volume - botFirst);
        require(volume > 0, "iExecV5-matchOrders-0x60");
        m.botFirst = botFirst;
        m.volume = volume;

        s.consumed[m.appHash] = appConsumed + volume;
        if (hasDataset) s.consumed[m.datasetHash] = datasetConsumed + volume;
        s.consumed[m.workerpoolHash] = poolConsumed + volume;
        s.consumed[m.requestHash] = botFirst + volume;

        dealId = keccak256(abi.encodePacked(m.requestHash, botFirst));
        (uint256 dealPrice, uint256 poolStake) = _storeDeal(s.deals[dealId], m, app, dataset, pool, request, sponsor);

        LibEscrow.lock(sponsor, dealPrice * volume);
        LibEscrow.lock(m.workerpoolOwner, poolStake * volume);

        emit SchedulerNotice(pool.workerpool, dealId);
        emit OrdersMatched(dealId, m.appHash, m.datasetHash, m.workerpoolHash, m.requestHash, volume);
    }

    /// Checks 0x00-0x1b (cheap checks first); returns the deal tag.
    function _checkCompatibility(
        LibStorage.Layout storage s,
        Types.AppOrder calldata app,
        Types.DatasetOrder calldata dataset,
        Types.WorkerpoolOrder calldata pool,
        Types.RequestOrder calldata request
    ) private view returns (bytes32 tag) {
        uint256 category = request.category;
        require(category == pool.category, "iExecV5-matchOrders-0x00");
        require(category < s.categoryCount, "iExecV5-matchOrders-0x01");
        require(request.trust <= pool.trust, "iExecV5-matchOrders-0x02");
        require(request.appmaxprice >= app.appprice, "iExecV5-matchOrders-0x03");
        require(request.datasetmaxprice >= dataset.datasetprice, "iExecV5-matchOrders-0x04");
        require(request.workerpoolmaxprice >= pool.workerpoolprice, "iExecV5-matchOrders-0x05");
        bytes32 appTag = app.tag;
        tag = appTag | (dataset.tag & DATASET_TAG_MASK) | request.tag;
        require(tag & ~pool.tag == 0, "iExecV5-matchOrders-0x06");
        require((tag ^ appTag) & TEE_BIT == 0, "iExecV5-matchOrders-0x07");

        address appAddress = app.app;
        address datasetAddress = dataset.dataset;
        address poolAddress = pool.workerpool;
        address requester = request.requester;
        require(request.app == appAddress, "iExecV5-matchOrders-0x10");
        require(request.dataset == datasetAddress, "iExecV5-matchOrders-0x11");
        require(_isAuthorizedByRestriction(request.workerpool, poolAddress), "iExecV5-matchOrders-0x12");
        require(_isAuthorizedByRestriction(app.datasetrestrict, datasetAddress), "iExecV5-matchOrders-0x13");
        require(_isAuthorizedByRestriction(app.workerpoolrestrict, poolAddress), "iExecV5-matchOrders-0x14");
        require(_isAuthorizedByRestriction(app.requesterrestrict, requester), "iExecV5-matchOrders-0x15");
        require(_isAuthorizedByRestriction(dataset.apprestrict, appAddress), "iExecV5-matchOrders-0x16");
        require(_isAuthorizedByRestriction(dataset.workerpoolrestrict, poolAddress), "iExecV5-matchOrders-0x17");
        require(_isAuthorizedByRestriction(dataset.requesterrestrict, requester), "iExecV5-matchOrders-0x18");
        require(_isAuthorizedByRestriction(pool.apprestrict, appAddress), "iExecV5-matchOrders-0x19");
        require(_isAuthorizedByRestriction(pool.datasetrestrict, datasetAddress), "iExecV5-matchOrders-0x1a");
        require(_isAuthorizedByRestriction(pool.requesterrestrict, requester), "iExecV5-matchOrders-0x1b");
    }

    /// Checks 0x20-0x50: registration (owner ≠ 0) and presignature or signature of each order;
    /// fills the hashes, owners and workerpool policies of `m`.
    function _checkAuthenticity(
        LibStorage.Layout storage s,
        Matching memory m,
        Types.AppOrder calldata app,
        Types.DatasetOrder calldata dataset,
        Types.WorkerpoolOrder calldata pool,
        Types.RequestOrder calldata request
    ) private view {
        address appOwner = IAssetRegistry(s.appRegistry).assetOwner(app.app);
        require(appOwner != address(0), "iExecV5-matchOrders-0x20");
        bytes32 appHash = LibOrderHash.hash(app);
        require(_isPresignedOrSignedBy(appOwner, appHash, app.sign), "iExecV5-matchOrders-0x21");
        m.appOwner = appOwner;
        m.appHash = appHash;

        address datasetAddress = dataset.dataset;
        if (datasetAddress != address(0)) {
            address datasetOwner = IAssetRegistry(s.datasetRegistry).assetOwner(datasetAddress);
            require(datasetOwner != address(0), "iExecV5-matchOrders-0x30");
            bytes32 datasetHash = LibOrderHash.hash(dataset);
            require(
                _isPresignedOrSignedBy(datasetOwner, datasetHash, dataset.sign), "iExecV5-matchOrders-0x31"
            );
            m.datasetOwner = datasetOwner;
            m.datasetHash = datasetHash;
        }

        (address poolOwner, uint256 workerStakeRatio, uint256 schedulerRewardRatio) =
            IWorkerpoolRegistry(s.workerpoolRegistry).workerpoolTerms(pool.workerpool);
        require(poolOwner != address(0), "iExecV5-matchOrders-0x40");
        bytes32 poolHash = LibOrderHash.hash(pool);
        require(_isPresignedOrSignedBy(poolOwner, poolHash, pool.sign), "iExecV5-matchOrders-0x41");
        m.workerpoolOwner = poolOwner;
        m.workerpoolHash = poolHash;
        m.workerStakeRatio = workerStakeRatio;
        m.schedulerRewardRatio = schedulerRewardRatio;

        bytes32 requestHash = LibOrderHash.hash(request);
        require(
            _isPresignedOrSignedBy(request.requester, requestHash, request.sign),
            "iExecV5-matchOrders-0x50"
        );
        m.requestHash = requestHash;
    }

    /// Writes the deal as whole words (LibPacked's layout; optional slots only when flagged)
    /// and returns the per-task price (app + dataset + workerpool) and scheduler stake.
    function _storeDeal(
        LibStorage.Deal storage deal,
        Matching memory m,
        Types.AppOrder calldata app,
        Types.DatasetOrder calldata dataset,
        Types.WorkerpoolOrder calldata pool,
        Types.RequestOrder calldata request,
        address sponsor
    ) private returns (uint256 dealPrice, uint256 poolStake) {
        // Range checks in the order of the fields' first use by PoCo's deal (app, dataset,
        // workerpool, worker stake, category, ratio, trust, bag of tasks).
        uint256 workerStake = pool.workerpoolprice * m.workerStakeRatio / 100;
        uint256 appPrice = _u96(app.appprice);
        uint256 datasetPrice;
        address datasetAddress;
        if (m.datasetOwner != address(0)) {
            datasetAddress = dataset.dataset;
            datasetPrice = _u96(dataset.datasetprice);
        }
        uint256 poolPrice = _u96(pool.workerpoolprice);
        _u96(workerStake);
        uint256 category = _fit(request.category, type(uint16).max);
        uint256 schedulerRewardRatio = _fit(m.schedulerRewardRatio, 100);
        uint256 trust = request.trust;
        if (trust == 0) trust = 1;
        _u96(trust);
        // ≤ request.volume: cannot overflow. botFirst and botSize are 48-bit fields.
        _fit(m.botFirst + m.volume, P.BOT_BOUND - 1);

        address requester = request.requester;
        address beneficiary = request.beneficiary;
        address callback = request.callback;
        uint256 tag = uint256(m.tag);
        uint256 flags = 0;
        if (beneficiary != requester) flags |= P.FLAG_BENEFICIARY;
        if (callback != address(0)) flags |= P.FLAG_CALLBACK;
        if (sponsor != requester) flags |= P.FLAG_SPONSOR;
        if (tag >= P.TAG_LOW_BOUND) flags |= P.FLAG_TAG;
        // startTime: uint40 holds any timestamp for 34,000 years.
        uint256 config = (block.timestamp << P.START_TIME_SHIFT) | (category << P.CATEGORY_SHIFT)
            | (schedulerRewardRatio << P.SCHEDULER_REWARD_RATIO_SHIFT) | (flags << P.FLAGS_SHIFT)
            | (uint256(uint16(tag)) << P.TAG_LOW_SHIFT);

        if (datasetAddress != address(0)) {
            P.setWord(deal, P.DEAL_DATASET_OWNER, P.pack(m.datasetOwner, datasetPrice));
        }
        P.setWord(deal, P.DEAL_APP, P.pack(app.app, workerStake));
        P.setWord(deal, P.DEAL_CONFIG, uint256(uint160(datasetAddress)) | config);
        P.setWord(deal, P.DEAL_WORKERPOOL, P.pack(pool.workerpool, m.botFirst | (m.volume << 48)));
        P.setWord(deal, P.DEAL_APP_OWNER, P.pack(m.appOwner, appPrice));
        P.setWord(deal, P.DEAL_WORKERPOOL_OWNER, P.pack(m.workerpoolOwner, poolPrice));
        P.setWord(deal, P.DEAL_REQUESTER, P.pack(requester, trust));
        if (beneficiary != requester && beneficiary != address(0)) {
            P.setWord(deal, P.DEAL_BENEFICIARY, uint160(beneficiary));
        }
        if (callback != address(0)) P.setWord(deal, P.DEAL_CALLBACK, uint160(callback));
        if (sponsor != requester) P.setWord(deal, P.DEAL_SPONSOR, uint160(sponsor));
        if (tag >= P.TAG_LOW_BOUND) P.setWord(deal, P.DEAL_TAG, tag);
        if (bytes(request.params).length != 0) deal.params = request.params;

        dealPrice = appPrice + datasetPrice + poolPrice;
        poolStake = poolPrice * Constants.WORKERPOOL_STAKE_RATIO / 100;
    }

    /// min(remaining(app), remaining(dataset) when a dataset is used, remaining(workerpool),
    /// remaining(request)); reverts (checked arithmetic) if an order is over-consumed.
    function _dealVolume(
        LibStorage.Layout storage s,
        Types.AppOrder calldata app,
        Types.DatasetOrder calldata dataset,
        Types.WorkerpoolOrder calldata pool,
        Types.RequestOrder calldata request
    ) internal view returns (uint256 volume) {
        volume = app.volume - s.consumed[LibOrderHash.hash(app)];
        if (dataset.dataset != address(0)) {
            volume = _min(volume, dataset.volume - s.consumed[LibOrderHash.hash(dataset)]);
        }
        volume = _min(volume, pool.volume - s.consumed[LibOrderHash.hash(pool)]);
        volume = _min(volume, request.volume - s.consumed[LibOrderHash.hash(request)]);
    }

    /// PoCo's "presigned or signed" (LibSignature.isPresignedOrSignedBy), cheapest proof first:
    /// an ECDSA signature recovering to `identity` is accepted without reading the presignature
    /// or the identity's code (saves a cold SLOAD and a cold EXTCODESIZE, ~4,700 gas, per
    /// signed order; see `LibSignature.recoversTo` for the one case PoCo would decide otherwise).
    function _isPresignedOrSignedBy(address identity, bytes32 hash, bytes calldata sign)
        internal
        view
        returns (bool)
    {
        return LibSignature.recoversTo(identity, hash, sign) || LibSignature.isPresignedOrSignedBy(identity, hash, sign);
    }

    function _u96(uint256 value) internal pure returns (uint96) {
        return uint96(_fit(value, type(uint96).max));
    }

    function _fit(uint256 value, uint256 max) internal pure returns (uint256) {
        if (value > max) revert IConfide.ValueTooLarge(value, max);
        return value;
    }

    function _min(uint256 a, uint256 b) private pure returns (uint256) {
        return a < b ? a : b;
    }
}
