// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {ModuleBase} from "./ModuleBase.sol";
import {Types} from "../interfaces/Types.sol";
import {LibStorage} from "../libs/LibStorage.sol";
import {LibPacked as P} from "../libs/LibPacked.sol";
import {Constants} from "../libs/Constants.sol";

/// @title What `viewApp` reads from an app (PoCo's getter names).
interface IAppInfoSource {
    function owner() external view returns (address);
    function m_appName() external view returns (string memory);
    function m_appType() external view returns (string memory);
    function m_appMultiaddr() external view returns (bytes memory);
    function m_appChecksum() external view returns (bytes32);
    function m_appMREnclave() external view returns (bytes memory);
}

/// @title What `viewDataset` reads from a dataset.
interface IDatasetInfoSource {
    function owner() external view returns (address);
    function m_datasetName() external view returns (string memory);
    function m_datasetMultiaddr() external view returns (bytes memory);
    function m_datasetChecksum() external view returns (bytes32);
}

/// @title What `viewWorkerpool` reads from a workerpool.
interface IWorkerpoolInfoSource {
    function owner() external view returns (address);
    function m_workerpoolDescription() external view returns (string memory);
    function m_workerStakeRatioPolicy() external view returns (uint256);
    function m_schedulerRewardRatioPolicy() external view returns (uint256);
}

/// @title Every view of the protocol (PoCo's `IexecPocoAccessors` and `IexecAccessorsABILegacy`).
/// @notice Rebuilds PoCo's struct shapes from Confide's packed storage: optional deal slots get
/// their defaults unless flagged (beneficiary and sponsor = requester, no callback, tag = its
/// low bits; no dataset = zero fields); task deadlines
/// and time reference derive from the deal and its category; a task completed by
/// `contributeAndFinalize` shows its single contributor, with the consensus value, result hash
/// and seal derived from (taskId, worker, resultDigest).
contract ViewModule is ModuleBase {
    // ------------------------------------------------------------------------------------------
    // Deals, tasks, contributions, scores
    // ------------------------------------------------------------------------------------------

    /// @notice The deal `id` (all zero if unknown).
    function viewDeal(bytes32 id) external view returns (Types.Deal memory) {
        return _deal(id);
    }

    /// @notice The task `id` (all zero while UNSET).
    function viewTask(bytes32 id) external view returns (Types.Task memory) {
        return _task(id);
    }

    /// @notice The contribution of `_worker` to `_taskid`.
    function viewContribution(bytes32 _taskid, address _worker) external view returns (Types.Contribution memory) {
        return _contribution(_taskid, _worker);
    }

    /// @notice The worker's score.
    function viewScore(address _worker) external view returns (uint256) {
        return LibStorage.store().workerScores[_worker];
    }

    /// @notice The callback data of a completed task (reverts `task-pending` otherwise).
    function resultFor(bytes32 id) external view returns (bytes memory) {
        LibStorage.Task storage task = LibStorage.store().tasks[id];
        uint256 tw = P.packed(task);
        require(P.taskStatus(tw) == P.COMPLETED, "task-pending");
        return P.resultsCallback(task, tw);
    }

    // ------------------------------------------------------------------------------------------
    // Categories
    // ------------------------------------------------------------------------------------------

    /// @notice Category `_catid` (reverts without reason when out of range).
    function viewCategory(uint256 _catid) external view returns (Types.Category memory) {
        LibStorage.Category storage c = _category(_catid);
        return Types.Category(c.name, c.description, c.workClockTimeRef);
    }

    /// @notice Number of categories.
    function countCategory() external view returns (uint256) {
        return LibStorage.store().categoryCount;
    }

    // ------------------------------------------------------------------------------------------
    // Assets
    // ------------------------------------------------------------------------------------------

    /// @notice An app's owner and metadata, read from the app contract.
    function viewApp(address app) external view returns (Types.AppInfo memory info) {
        IAppInfoSource a = IAppInfoSource(app);
        info.owner = a.owner();
        info.m_appName = a.m_appName();
        info.m_appType = a.m_appType();
        info.m_appMultiaddr = a.m_appMultiaddr();
        info.m_appChecksum = a.m_appChecksum();
        info.m_appMREnclave = a.m_appMREnclave();
    }

    /// @notice A dataset's owner and metadata, read from the dataset contract.
    function viewDataset(address dataset) external view returns (Types.DatasetInfo memory info) {
        IDatasetInfoSource d = IDatasetInfoSource(dataset);
        info.owner = d.owner();
        info.m_datasetName = d.m_datasetName();
        info.m_datasetMultiaddr = d.m_datasetMultiaddr();
        info.m_datasetChecksum = d.m_datasetChecksum();
    }

    /// @notice A workerpool's owner, description and policies, read from the workerpool contract.
    function viewWorkerpool(address workerpool) external view returns (Types.WorkerpoolInfo memory info) {
        IWorkerpoolInfoSource w = IWorkerpoolInfoSource(workerpool);
        info.owner = w.owner();
        info.m_workerpoolDescription = w.m_workerpoolDescription();
        info.m_workerStakeRatioPolicy = w.m_workerStakeRatioPolicy();
        info.m_schedulerRewardRatioPolicy = w.m_schedulerRewardRatioPolicy();
    }

    // ------------------------------------------------------------------------------------------
    // Configuration
    // ------------------------------------------------------------------------------------------

    /// @notice The app registry.
    function appregistry() external view returns (address) {
        return LibStorage.store().appRegistry;
    }

    /// @notice The dataset registry.
    function datasetregistry() external view returns (address) {
        return LibStorage.store().datasetRegistry;
    }

    /// @notice The workerpool registry.
    function workerpoolregistry() external view returns (address) {
        return LibStorage.store().workerpoolRegistry;
    }

    /// @notice The TEE broker (signer of TEE authorizations; zero: the workerpool owner signs).
    function teebroker() external view returns (address) {
        return LibStorage.store().teeBroker;
    }

    /// @notice Gas given to a deal's callback.
    function callbackgas() external view returns (uint256) {
        return LibStorage.store().callbackGas;
    }

    /// @notice The EIP-712 domain of orders (iExecODB, 5.0.0, this chain, this address).
    function domain() external view returns (Types.EIP712Domain memory) {
        return Types.EIP712Domain(Constants.DOMAIN_NAME, Constants.DOMAIN_VERSION, block.chainid, address(this));
    }

    /// @notice The stored EIP-712 domain separator.
    function eip712domain_separator() external view returns (bytes32) {
        return LibStorage.store().domainSeparator;
    }

    // The constant views are `view` (not `pure`) to match PoCo's ABI; `virtual` keeps solc from
    // suggesting `pure`.

    /// @notice 7: contribution deadline = deal start + 7 × time reference.
    function contribution_deadline_ratio() external view virtual returns (uint256) {
        return Constants.CONTRIBUTION_DEADLINE_RATIO;
    }

    /// @notice 2: reveal deadline = consensus time + 2 × time reference.
    function reveal_deadline_ratio() external view virtual returns (uint256) {
        return Constants.REVEAL_DEADLINE_RATIO;
    }

    /// @notice 10: final deadline = deal start + 10 × time reference.
    function final_deadline_ratio() external view virtual returns (uint256) {
        return Constants.FINAL_DEADLINE_RATIO;
    }

    /// @notice 30: the scheduler's stake per task, in percent of the workerpool price.
    function workerpool_stake_ratio() external view virtual returns (uint256) {
        return Constants.WORKERPOOL_STAKE_RATIO;
    }

    /// @notice 10: the share of the kitty paid per successful task, in percent.
    function kitty_ratio() external view virtual returns (uint256) {
        return Constants.KITTY_RATIO;
    }

    /// @notice 1e9: the minimum kitty payout.
    function kitty_min() external view virtual returns (uint256) {
        return Constants.KITTY_MIN;
    }

    /// @notice The pseudo-account whose frozen balance is the kitty.
    function kitty_address() external view virtual returns (address) {
        return Constants.KITTY_ADDRESS;
    }

    /// @notice 4: the ERC-734 purpose of restriction group members.
    function groupmember_purpose() external view virtual returns (uint256) {
        return Constants.GROUPMEMBER_PURPOSE;
    }

    // ------------------------------------------------------------------------------------------
    // Legacy tuple views (PoCo's IexecAccessorsABILegacy)
    // ------------------------------------------------------------------------------------------

    /// @notice (balance, frozen) of `_user`.
    function viewAccountABILegacy(address _user) external view returns (uint256, uint256) {
        LibStorage.Account storage account = LibStorage.store().accounts[_user];
        return (account.balance, account.frozen);
    }

    /// @notice (app, app owner, app price, dataset, dataset owner, dataset price, workerpool,
    /// workerpool owner, workerpool price) of deal `_id`.
    function viewDealABILegacy_pt1(bytes32 _id)
        external
        view
        returns (address, address, uint256, address, address, uint256, address, address, uint256)
    {
        Types.Deal memory d = _deal(_id);
        return (
            d.app.pointer,
            d.app.owner,
            d.app.price,
            d.dataset.pointer,
            d.dataset.owner,
            d.dataset.price,
            d.workerpool.pointer,
            d.workerpool.owner,
            d.workerpool.price
        );
    }

    /// @notice (trust, tag, requester, beneficiary, callback, params) of deal `_id`.
    function viewDealABILegacy_pt2(bytes32 _id)
        external
        view
        returns (uint256, bytes32, address, address, address, string memory)
    {
        Types.Deal memory d = _deal(_id);
        return (d.trust, d.tag, d.requester, d.beneficiary, d.callback, d.params);
    }

    /// @notice (category, startTime, botFirst, botSize, workerStake, schedulerRewardRatio) of
    /// deal `_id`.
    function viewConfigABILegacy(bytes32 _id)
        external
        view
        returns (uint256, uint256, uint256, uint256, uint256, uint256)
    {
        Types.Deal memory d = _deal(_id);
        return (d.category, d.startTime, d.botFirst, d.botSize, d.workerStake, d.schedulerRewardRatio);
    }

    /// @notice (status, dealid, idx, timeref, contributionDeadline, revealDeadline,
    /// finalDeadline, consensusValue, revealCounter, winnerCounter, contributors, results).
    function viewTaskABILegacy(bytes32 _taskid)
        external
        view
        returns (
            Types.TaskStatusEnum,
            bytes32,
            uint256,
            uint256,
            uint256,
            uint256,
            uint256,
            bytes32,
            uint256,
            uint256,
            address[] memory,
            bytes memory
        )
    {
        Types.Task memory t = _task(_taskid);
        return (
            t.status,
            t.dealid,
            t.idx,
            t.timeref,
            t.contributionDeadline,
            t.revealDeadline,
            t.finalDeadline,
            t.consensusValue,
            t.revealCounter,
            t.winnerCounter,
            t.contributors,
            t.results
        );
    }

    /// @notice (status, resultHash, resultSeal, enclaveChallenge) of a contribution.
    function viewContributionABILegacy(bytes32 _taskid, address _worker)
        external
        view
        returns (Types.ContributionStatusEnum, bytes32, bytes32, address)
    {
        Types.Contribution memory c = _contribution(_taskid, _worker);
        return (c.status, c.resultHash, c.resultSeal, c.enclaveChallenge);
    }

    /// @notice (name, description, workClockTimeRef) of category `_catid` (reverts without
    /// reason when out of range).
    function viewCategoryABILegacy(uint256 _catid) external view returns (string memory, string memory, uint256) {
        LibStorage.Category storage c = _category(_catid);
        return (c.name, c.description, c.workClockTimeRef);
    }

    // ------------------------------------------------------------------------------------------
    // Builders
    // ------------------------------------------------------------------------------------------

    function _deal(bytes32 id) private view returns (Types.Deal memory d) {
        LibStorage.Deal storage deal = LibStorage.store().deals[id];
        uint256 app = P.word(deal, P.DEAL_APP);
        uint256 config = P.word(deal, P.DEAL_CONFIG);
        uint256 pool = P.word(deal, P.DEAL_WORKERPOOL);
        uint256 poolOwner = P.word(deal, P.DEAL_WORKERPOOL_OWNER);
        uint256 requesterWord = P.word(deal, P.DEAL_REQUESTER);
        uint256 appOwner = P.word(deal, P.DEAL_APP_OWNER);
        address requester = P.addr(requesterWord);

        d.app = Types.Resource(P.addr(app), P.addr(appOwner), P.high(appOwner));
        if (P.addr(config) != address(0)) {
            uint256 datasetOwner = P.word(deal, P.DEAL_DATASET_OWNER);
            d.dataset = Types.Resource(P.addr(config), P.addr(datasetOwner), P.high(datasetOwner));
        }
        d.workerpool = Types.Resource(P.addr(pool), P.addr(poolOwner), P.high(poolOwner));
        d.trust = P.high(requesterWord);
        d.category = P.category(config);
        d.tag = P.tag(deal, config);
        d.requester = requester;
        d.beneficiary =
            P.hasFlag(config, P.FLAG_BENEFICIARY) ? P.addr(P.word(deal, P.DEAL_BENEFICIARY)) : requester;
        d.callback = P.callback(deal, config);
        d.params = deal.params;
        d.startTime = P.startTime(config);
        d.botFirst = P.botFirst(pool);
        d.botSize = P.botSize(pool);
        d.workerStake = P.high(app);
        d.schedulerRewardRatio = P.schedulerRewardRatio(config);
        d.sponsor = P.sponsor(deal, config, requesterWord);
    }

    function _task(bytes32 id) private view returns (Types.Task memory t) {
        LibStorage.Layout storage s = LibStorage.store();
        LibStorage.Task storage task = s.tasks[id];
        t.dealid = task.dealid;
        if (t.dealid == 0) return t; // UNSET
        uint256 tw = P.packed(task);
        t.status = Types.TaskStatusEnum(P.taskStatus(tw));
        LibStorage.Deal storage deal = s.deals[t.dealid];
        t.idx = P.botFirst(P.word(deal, P.DEAL_WORKERPOOL)) + P.idxOffset(tw);
        uint256 config = P.word(deal, P.DEAL_CONFIG);
        uint256 start = P.startTime(config);
        t.timeref = P.timeref(P.category(config));
        t.contributionDeadline = start + Constants.CONTRIBUTION_DEADLINE_RATIO * t.timeref;
        t.revealDeadline = P.revealDeadline(tw);
        t.finalDeadline = start + Constants.FINAL_DEADLINE_RATIO * t.timeref;
        t.revealCounter = P.fastPath(tw) ? 1 : P.revealCounter(tw);
        t.winnerCounter = P.fastPath(tw) ? 1 : P.winnerCounter(tw);
        t.resultDigest = task.resultDigest;
        t.results = P.results(task, tw);
        t.resultsCallback = P.resultsCallback(task, tw);
        if (P.fastPath(tw)) {
            t.consensusValue = keccak256(abi.encodePacked(id, t.resultDigest));
            t.contributors = new address[](1);
            t.contributors[0] = P.addr(P.taskWord(task, P.TASK_WORKER));
        } else {
            t.consensusValue = task.consensusValue;
            uint256 n = P.contributorCount(tw);
            t.contributors = new address[](n);
            for (uint256 i = 0; i < n; i++) {
                t.contributors[i] = task.contributors[i];
            }
        }
    }

    function _contribution(bytes32 taskId, address worker) private view returns (Types.Contribution memory c) {
        LibStorage.Layout storage s = LibStorage.store();
        LibStorage.Task storage task = s.tasks[taskId];
        if (P.fastPath(P.packed(task))) {
            if (worker != address(0) && worker == P.addr(P.taskWord(task, P.TASK_WORKER))) {
                bytes32 digest = task.resultDigest;
                c.status = Types.ContributionStatusEnum.PROVED;
                c.resultHash = keccak256(abi.encodePacked(taskId, digest));
                c.resultSeal = keccak256(abi.encodePacked(worker, taskId, digest));
                c.enclaveChallenge = P.addr(P.taskWord(task, P.TASK_CHALLENGE));
            }
            return c;
        }
        LibStorage.Contribution storage contribution = s.contributions[taskId][worker];
        uint256 cw = P.contributionWord(contribution);
        c.status = Types.ContributionStatusEnum(P.status(cw));
        c.resultHash = contribution.resultHash;
        c.resultSeal = contribution.resultSeal;
        c.enclaveChallenge = P.contributionChallenge(cw);
        c.weight = P.contributionWeight(cw);
    }

    function _category(uint256 id) private view returns (LibStorage.Category storage) {
        LibStorage.Layout storage s = LibStorage.store();
        if (id >= s.categoryCount) revert();
        return s.categories[id];
    }
}
