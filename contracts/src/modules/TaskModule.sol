// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {ModuleBase} from "./ModuleBase.sol";
import {IOracleConsumer} from "../interfaces/IAssetRegistry.sol";
import {LibStorage} from "../libs/LibStorage.sol";
import {LibEscrow} from "../libs/LibEscrow.sol";
import {LibSignature} from "../libs/LibSignature.sol";
import {LibPacked as P} from "../libs/LibPacked.sol";
import {Constants} from "../libs/Constants.sol";

/// @title Task lifecycle: initialize, contribute, reveal, reopen, finalize, contributeAndFinalize,
/// claim; consensus, scores, rewards, seizures, kitty and callbacks (PoCo's `IexecPoco2`).
/// @notice Behaviour, arithmetic and events are PoCo's (poco.md §3.3-3.11, §4.4-4.6). Storage is
/// Confide's (LibStorage, LibPacked): `initialize` stores the task's deal id, and its packed word
/// only when the task is not the deal's first; deadlines derive from the deal; a task completed
/// by `contributeAndFinalize` stores its single contributor in the task instead of a
/// contribution record. Compiled into the `Confide` router (no dispatch hop). Where PoCo reverts
/// without a reason, this module reverts with the custom errors below.
abstract contract TaskModule is ModuleBase {
    /// `initialize`: the index is outside the deal's bag of tasks.
    error InvalidTaskIndex();
    /// The task is not in the status the operation requires.
    error InvalidTaskStatus();
    /// The deadline of the operation has passed.
    error DeadlineReached();
    /// `claim` before the task's final deadline.
    error DeadlineNotReached();
    /// The caller already contributed to this task.
    error AlreadyContributed();
    /// The deal requires a TEE (tag bit 0) and no enclave challenge was given.
    error EnclaveChallengeRequired();
    /// The scheduler's (or TEE broker's) authorization does not match.
    error InvalidAuthorization();
    /// The enclave signature over (resultHash, resultSeal) does not match the challenge.
    error InvalidEnclaveSignature();
    /// Only the workerpool owner may call this.
    error NotScheduler();
    /// `reveal`: the caller has no contribution to the consensus value awaiting reveal.
    error InvalidContribution();
    /// `reveal`: the digest does not open the caller's result hash and seal.
    error InvalidReveal();
    /// `finalize` before every winner revealed (or before the reveal deadline with at least one
    /// reveal); `reopen` while reveals are still possible or happened.
    error RevealsPending();
    /// `resultsCallback` is inconsistent with the result digest and the deal's callback.
    error InvalidResultsCallback();
    /// `contributeAndFinalize` needs trust 1 and no prior contribution.
    error FastPathUnavailable();
    /// A computed deadline does not fit the packed task.
    error DeadlineOverflow();
    /// Array arguments of different lengths.
    error ArrayLengthMismatch();
    /// Not enough gas was left to guarantee the callback its gas.
    error CallbackGasStarved();
    /// `contribute`: the task has 2^32 − 1 contributors already.
    error TooManyContributors();

    /// What the payments of one task need, read once from the deal.
    struct Terms {
        address appOwner;
        uint256 appPrice;
        address datasetOwner;
        uint256 datasetPrice;
        address workerpoolOwner;
        uint256 workerpoolPrice;
        address sponsor;
        uint256 schedulerRewardRatio;
    }

    // ------------------------------------------------------------------------------------------
    // Initialize
    // ------------------------------------------------------------------------------------------

    /// @notice Opens task `idx` of deal `dealId` (permissionless).
    /// @return The task id, keccak256(dealId ‖ idx).
    function initialize(bytes32 dealId, uint256 idx) external returns (bytes32) {
        return _initialize(LibStorage.store(), dealId, idx);
    }

    /// @notice `initialize` for each (dealIds[i], indexes[i]).
    function initializeArray(bytes32[] calldata dealIds, uint256[] calldata indexes) external returns (bool) {
        if (dealIds.length != indexes.length) revert ArrayLengthMismatch();
        LibStorage.Layout storage s = LibStorage.store();
        for (uint256 i = 0; i < dealIds.length; i++) {
            _initialize(s, dealIds[i], indexes[i]);
        }
        return true;
    }

    /// @notice `claim` for each task.
    function claimArray(bytes32[] calldata taskIds) external returns (bool) {
        LibStorage.Layout storage s = LibStorage.store();
        for (uint256 i = 0; i < taskIds.length; i++) {
            _claim(s, taskIds[i]);
        }
        return true;
    }

    /// @notice `initialize` then `claim` for each (dealIds[i], indexes[i]).
    function initializeAndClaimArray(bytes32[] calldata dealIds, uint256[] calldata indexes) external returns (bool) {
        if (dealIds.length != indexes.length) revert ArrayLengthMismatch();
        LibStorage.Layout storage s = LibStorage.store();
        for (uint256 i = 0; i < dealIds.length; i++) {
            _claim(s, _initialize(s, dealIds[i], indexes[i]));
        }
        return true;
    }

    function _initialize(LibStorage.Layout storage s, bytes32 dealId, uint256 idx) private returns (bytes32 taskId) {
        // One word: the workerpool (for the event) and the bag of tasks.
        uint256 pool = P.word(s.deals[dealId], P.DEAL_WORKERPOOL);
        uint256 botFirst = P.botFirst(pool);
        // botFirst + botSize < 2^48: no overflow, and idx fits the task's 48-bit field.
        if (idx < botFirst || idx >= botFirst + P.botSize(pool)) revert InvalidTaskIndex();
        taskId = keccak256(abi.encodePacked(dealId, idx));
        LibStorage.Task storage task = s.tasks[taskId];
        if (task.dealid != bytes32(0)) revert InvalidTaskStatus();
        task.dealid = dealId;
        // ACTIVE is stored as 0: nothing more to write for the first task of the deal.
        uint256 offset = idx - botFirst;
        if (offset != 0) P.setPacked(task, offset << P.IDX_SHIFT);
        emit TaskInitialize(taskId, P.addr(pool));
    }

    // ------------------------------------------------------------------------------------------
    // Contribute / reveal / reopen
    // ------------------------------------------------------------------------------------------

    /// @notice Commits a worker's result (hash and seal) to an active task, locking the deal's
    /// worker stake; may reach consensus (then the task waits for reveals).
    /// @param enclaveChallenge the TEE enclave's address (zero for a standard task)
    /// @param enclaveSign the enclave's EIP-191 signature of keccak256(resultHash ‖ resultSeal)
    /// @param authorizationSign the scheduler's (or TEE broker's) EIP-191 signature of
    /// keccak256(worker ‖ taskId ‖ enclaveChallenge)
    function contribute(
        bytes32 taskId,
        bytes32 resultHash,
        bytes32 resultSeal,
        address enclaveChallenge,
        bytes calldata enclaveSign,
        bytes calldata authorizationSign
    ) external {
        LibStorage.Layout storage s = LibStorage.store();
        LibStorage.Task storage task = s.tasks[taskId];
        uint256 tw = P.packed(task);
        bytes32 dealId = task.dealid;
        if (dealId == 0 || P.taskStatus(tw) != P.ACTIVE) revert InvalidTaskStatus();
        LibStorage.Deal storage deal = s.deals[dealId];
        uint256 config = P.word(deal, P.DEAL_CONFIG);
        uint256 timeref = P.timeref(P.category(config));
        if (P.startTime(config) + Constants.CONTRIBUTION_DEADLINE_RATIO * timeref <= block.timestamp) {
            revert DeadlineReached();
        }
        LibStorage.Contribution storage contribution = s.contributions[taskId][msg.sender];
        if (P.contributionWord(contribution) != 0) revert AlreadyContributed();
        _checkTee(config, enclaveChallenge);
        _checkAuthorization(
            s, P.addr(P.word(deal, P.DEAL_WORKERPOOL_OWNER)), taskId, enclaveChallenge, authorizationSign
        );
        if (enclaveChallenge != address(0)) _checkEnclave(enclaveChallenge, resultHash, resultSeal, enclaveSign);

        // Score policy 1/3: weight w = max(score / 3, 3) - 1 ≥ 2; the contribution keeps ⌊log2 w⌋.
        uint256 weight = Math.max(s.workerScores[msg.sender] / 3, 3) - 1;
        P.setContributionWord(
            contribution, P.CONTRIBUTED | (Math.log2(weight) << 8) | (uint256(uint160(enclaveChallenge)) << 16)
        );
        if (resultHash != 0) contribution.resultHash = resultHash;
        if (resultSeal != 0) contribution.resultSeal = resultSeal;
        uint256 count = P.contributorCount(tw);
        if (count == P.MAX_CONTRIBUTORS) revert TooManyContributors();
        task.contributors[count] = msg.sender;
        tw += 1 << P.CONTRIBUTOR_COUNT_SHIFT;
        LibEscrow.lock(msg.sender, P.high(P.word(deal, P.DEAL_APP)));
        emit TaskContribute(taskId, msg.sender, resultHash);

        // Consensus: group = product of its contributors' weights; total = 1 + Σ groups.
        uint256 previous = s.groups[taskId][resultHash];
        uint256 group = previous == 0 ? weight : previous * weight;
        s.groups[taskId][resultHash] = group;
        uint256 totalMinusOne = s.totalMinusOne[taskId] + (group - previous);
        s.totalMinusOne[taskId] = totalMinusOne;
        uint256 trust = P.high(P.word(deal, P.DEAL_REQUESTER));
        if (group * trust > (totalMinusOne + 1) * (trust - 1)) {
            tw = _reachConsensus(s, task, tw, taskId, resultHash, timeref);
        }
        P.setPacked(task, tw);
    }

    /// Moves the task to REVEALING; returns its new slot 1 word (written by the caller).
    function _reachConsensus(
        LibStorage.Layout storage s,
        LibStorage.Task storage task,
        uint256 tw,
        bytes32 taskId,
        bytes32 consensus,
        uint256 timeref
    ) private returns (uint256) {
        mapping(uint256 => address) storage contributors = task.contributors;
        mapping(address => LibStorage.Contribution) storage contributions = s.contributions[taskId];
        uint256 winners = 0;
        uint256 n = P.contributorCount(tw);
        for (uint256 i = 0; i < n; i++) {
            LibStorage.Contribution storage c = contributions[contributors[i]];
            if (c.resultHash == consensus && P.status(P.contributionWord(c)) == P.CONTRIBUTED) winners++;
        }
        task.consensusValue = consensus;
        emit TaskConsensus(taskId, consensus);
        // The reveal counter is zero; winners ≤ contributors < 2^32.
        return (tw & (P.IDX_FIELD | P.CONTRIBUTOR_COUNT_FIELD)) | P.taskStatusField(P.REVEALING)
            | (_deadline(Constants.REVEAL_DEADLINE_RATIO * timeref) << P.REVEAL_DEADLINE_SHIFT)
            | (winners << P.WINNER_COUNTER_SHIFT);
    }

    /// @notice Reveals the digest behind the caller's winning contribution.
    function reveal(bytes32 taskId, bytes32 resultDigest) external {
        LibStorage.Layout storage s = LibStorage.store();
        LibStorage.Task storage task = s.tasks[taskId];
        uint256 tw = P.packed(task);
        if (P.taskStatus(tw) != P.REVEALING) revert InvalidTaskStatus();
        if (P.revealDeadline(tw) <= block.timestamp) revert DeadlineReached();
        LibStorage.Contribution storage contribution = s.contributions[taskId][msg.sender];
        uint256 cw = P.contributionWord(contribution);
        if (P.status(cw) != P.CONTRIBUTED) revert InvalidContribution();
        bytes32 resultHash = contribution.resultHash;
        if (resultHash != task.consensusValue) revert InvalidContribution();
        if (
            resultHash != keccak256(abi.encodePacked(taskId, resultDigest))
                || contribution.resultSeal != keccak256(abi.encodePacked(msg.sender, taskId, resultDigest))
        ) revert InvalidReveal();
        P.setContributionWord(contribution, P.withStatus(cw, P.PROVED));
        // revealCounter + 1 (bounded by winnerCounter).
        P.setPacked(task, tw + (1 << P.REVEAL_COUNTER_SHIFT));
        task.resultDigest = resultDigest;
        emit TaskReveal(taskId, msg.sender, resultDigest);
    }

    /// @notice Scheduler only: after a reveal deadline passed without any reveal, rejects the
    /// consensus group and reopens the task to contributions.
    function reopen(bytes32 taskId) external {
        LibStorage.Layout storage s = LibStorage.store();
        LibStorage.Task storage task = s.tasks[taskId];
        uint256 tw = P.packed(task);
        LibStorage.Deal storage deal = s.deals[task.dealid];
        if (msg.sender != P.addr(P.word(deal, P.DEAL_WORKERPOOL_OWNER))) revert NotScheduler();
        if (P.taskStatus(tw) != P.REVEALING) revert InvalidTaskStatus();
        if (_finalDeadline(deal) <= block.timestamp) revert DeadlineReached();
        if (P.revealDeadline(tw) > block.timestamp || P.revealCounter(tw) != 0) revert RevealsPending();

        bytes32 consensus = task.consensusValue;
        mapping(uint256 => address) storage contributors = task.contributors;
        mapping(address => LibStorage.Contribution) storage contributions = s.contributions[taskId];
        uint256 n = P.contributorCount(tw);
        for (uint256 i = 0; i < n; i++) {
            LibStorage.Contribution storage c = contributions[contributors[i]];
            if (c.resultHash == consensus) {
                P.setContributionWord(c, P.withStatus(P.contributionWord(c), P.REJECTED));
            }
        }
        s.totalMinusOne[taskId] -= s.groups[taskId][consensus];
        s.groups[taskId][consensus] = 0;
        // ACTIVE, reveal deadline and counters zero, idx and contributors kept.
        P.setPacked(task, (tw & (P.IDX_FIELD | P.CONTRIBUTOR_COUNT_FIELD)) | P.taskStatusField(P.ACTIVE));
        task.consensusValue = 0;
        emit TaskReopen(taskId);
    }

    // ------------------------------------------------------------------------------------------
    // Finalize
    // ------------------------------------------------------------------------------------------

    /// @notice Scheduler only: completes a revealed task, pays everyone and calls the deal's
    /// callback with `resultsCallback`.
    function finalize(bytes32 taskId, bytes calldata results, bytes calldata resultsCallback) external {
        LibStorage.Layout storage s = LibStorage.store();
        LibStorage.Task storage task = s.tasks[taskId];
        uint256 tw = P.packed(task);
        LibStorage.Deal storage deal = s.deals[task.dealid];
        uint256 poolWord = P.word(deal, P.DEAL_WORKERPOOL_OWNER);
        if (msg.sender != P.addr(poolWord)) revert NotScheduler();
        if (P.taskStatus(tw) != P.REVEALING) revert InvalidTaskStatus();
        uint256 config = P.word(deal, P.DEAL_CONFIG);
        if (
            P.startTime(config) + Constants.FINAL_DEADLINE_RATIO * P.timeref(P.category(config)) <= block.timestamp
        ) revert DeadlineReached();
        uint256 reveals = P.revealCounter(tw);
        if (reveals != P.winnerCounter(tw) && (reveals == 0 || P.revealDeadline(tw) > block.timestamp)) {
            revert RevealsPending();
        }
        address callback = P.callback(deal, config);
        _checkResultsCallback(callback, resultsCallback, task.resultDigest);

        P.setPacked(task, P.withTaskStatus(tw, P.COMPLETED) | P.lengths(results.length, resultsCallback.length));
        P.storeResults(task, address(0), address(0), results, 0);
        if (resultsCallback.length != 0) P.storeResultsCallback(task, resultsCallback);

        Terms memory terms = _terms(deal, config, poolWord, P.word(deal, P.DEAL_REQUESTER));
        _successWork(s, taskId, terms);
        _distributeRewards(s, task, P.contributorCount(tw), taskId, terms, P.high(P.word(deal, P.DEAL_APP)));
        emit TaskFinalize(taskId, results);
        _executeCallback(s, callback, taskId, resultsCallback);
    }

    /// @notice Trust-1 fast path (used for TEE tasks): contributes, reaches consensus, reveals
    /// and finalizes in one call; no worker stake, score untouched.
    /// @param enclaveChallenge the TEE enclave's address (zero for a standard task)
    /// @param enclaveSign the enclave's EIP-191 signature of keccak256(resultHash ‖ resultSeal),
    /// with resultHash = keccak256(taskId ‖ resultDigest) and
    /// resultSeal = keccak256(worker ‖ taskId ‖ resultDigest)
    /// @param authorizationSign the scheduler's (or TEE broker's) EIP-191 signature of
    /// keccak256(worker ‖ taskId ‖ enclaveChallenge)
    function contributeAndFinalize(
        bytes32 taskId,
        bytes32 resultDigest,
        bytes calldata results,
        bytes calldata resultsCallback,
        address enclaveChallenge,
        bytes calldata enclaveSign,
        bytes calldata authorizationSign
    ) external {
        LibStorage.Layout storage s = LibStorage.store();
        LibStorage.Task storage task = s.tasks[taskId];
        uint256 tw = P.packed(task);
        bytes32 dealId = task.dealid;
        if (dealId == 0 || P.taskStatus(tw) != P.ACTIVE) revert InvalidTaskStatus();
        LibStorage.Deal storage deal = s.deals[dealId];
        uint256 config = P.word(deal, P.DEAL_CONFIG);
        uint256 timeref = P.timeref(P.category(config));
        if (P.startTime(config) + Constants.CONTRIBUTION_DEADLINE_RATIO * timeref <= block.timestamp) {
            revert DeadlineReached();
        }
        uint256 requesterWord = P.word(deal, P.DEAL_REQUESTER);
        if (P.high(requesterWord) != 1 || P.contributorCount(tw) != 0) revert FastPathUnavailable();
        address callback = P.callback(deal, config);
        _checkResultsCallback(callback, resultsCallback, resultDigest);
        _checkTee(config, enclaveChallenge);
        uint256 poolWord = P.word(deal, P.DEAL_WORKERPOOL_OWNER);
        _checkAuthorization(s, P.addr(poolWord), taskId, enclaveChallenge, authorizationSign);
        bytes32 resultHash = keccak256(abi.encodePacked(taskId, resultDigest));
        if (enclaveChallenge != address(0)) {
            _checkEnclave(
                enclaveChallenge,
                resultHash,
                keccak256(abi.encodePacked(msg.sender, taskId, resultDigest)),
                enclaveSign
            );
        }

        // COMPLETED, reveal deadline, idx kept, fast path (counters implied: their bits hold the
        // first 12 bytes of results; the worker is in slot 4), the lengths of the stored bytes.
        P.setPacked(
            task,
            (tw & P.IDX_FIELD) | P.taskStatusField(P.COMPLETED)
                | (_deadline(Constants.REVEAL_DEADLINE_RATIO * timeref) << P.REVEAL_DEADLINE_SHIFT)
                | P.fastResultsField(results) | (1 << P.FAST_PATH_SHIFT)
                | P.lengths(results.length, resultsCallback.length)
        );
        if (resultDigest != 0) task.resultDigest = resultDigest;
        P.storeResults(task, msg.sender, enclaveChallenge, results, P.RESULTS_FIELD);
        if (resultsCallback.length != 0) P.storeResultsCallback(task, resultsCallback);

        Terms memory terms = _terms(deal, config, poolWord, requesterWord);
        _successWork(s, taskId, terms);
        // distributeRewardsFast: the worker gets its share of the pool price, the scheduler the rest.
        uint256 workerReward = terms.workerpoolPrice * (100 - terms.schedulerRewardRatio) / 100;
        LibEscrow.reward(msg.sender, workerReward, taskId);
        LibEscrow.reward(terms.workerpoolOwner, terms.workerpoolPrice - workerReward, taskId);

        emit TaskContribute(taskId, msg.sender, resultHash);
        emit TaskConsensus(taskId, resultHash);
        emit TaskReveal(taskId, msg.sender, resultDigest);
        emit TaskFinalize(taskId, results);
        _executeCallback(s, callback, taskId, resultsCallback);
    }

    // ------------------------------------------------------------------------------------------
    // Claim
    // ------------------------------------------------------------------------------------------

    /// @notice After the final deadline of an unfinished task: refunds the sponsor, seizes the
    /// scheduler's stake into the kitty and returns every worker's stake (permissionless).
    function claim(bytes32 taskId) external {
        _claim(LibStorage.store(), taskId);
    }

    function _claim(LibStorage.Layout storage s, bytes32 taskId) private {
        LibStorage.Task storage task = s.tasks[taskId];
        uint256 tw = P.packed(task);
        bytes32 dealId = task.dealid;
        uint256 status = P.taskStatus(tw);
        if (dealId == 0 || (status != P.ACTIVE && status != P.REVEALING)) revert InvalidTaskStatus();
        LibStorage.Deal storage deal = s.deals[dealId];
        uint256 config = P.word(deal, P.DEAL_CONFIG);
        if (
            P.startTime(config) + Constants.FINAL_DEADLINE_RATIO * P.timeref(P.category(config)) > block.timestamp
        ) revert DeadlineNotReached();
        P.setPacked(task, P.withTaskStatus(tw, P.FAILED));

        // failedWork
        Terms memory terms =
            _terms(deal, config, P.word(deal, P.DEAL_WORKERPOOL_OWNER), P.word(deal, P.DEAL_REQUESTER));
        uint256 poolStake = terms.workerpoolPrice * Constants.WORKERPOOL_STAKE_RATIO / 100;
        LibEscrow.unlock(terms.sponsor, terms.appPrice + terms.datasetPrice + terms.workerpoolPrice);
        LibEscrow.seize(terms.workerpoolOwner, poolStake, taskId);
        LibEscrow.rewardLocked(Constants.KITTY_ADDRESS, poolStake, taskId);

        mapping(uint256 => address) storage contributors = task.contributors;
        uint256 n = P.contributorCount(tw);
        if (n != 0) {
            uint256 workerStake = P.high(P.word(deal, P.DEAL_APP));
            for (uint256 i = 0; i < n; i++) {
                LibEscrow.unlock(contributors[i], workerStake);
            }
        }
        emit TaskClaimed(taskId);
    }

    // ------------------------------------------------------------------------------------------
    // Checks
    // ------------------------------------------------------------------------------------------

    /// TEE rule: a deal whose tag has bit 0 needs an enclave challenge (`config`: the deal's
    /// slot 1, which holds the tag's low bits).
    function _checkTee(uint256 config, address enclaveChallenge) private pure {
        if (enclaveChallenge == address(0) && P.tagLow(config) & 1 != 0) revert EnclaveChallengeRequired();
    }

    /// The authorization is signed by the TEE broker when there is a challenge and a broker,
    /// else by the workerpool owner.
    function _checkAuthorization(
        LibStorage.Layout storage s,
        address scheduler,
        bytes32 taskId,
        address enclaveChallenge,
        bytes calldata authorizationSign
    ) private view {
        address signer = scheduler;
        if (enclaveChallenge != address(0)) {
            address broker = s.teeBroker;
            if (broker != address(0)) signer = broker;
        }
        if (
            !LibSignature.isEthSignedBy(
                signer, keccak256(abi.encodePacked(msg.sender, taskId, enclaveChallenge)), authorizationSign
            )
        ) revert InvalidAuthorization();
    }

    function _checkEnclave(address enclaveChallenge, bytes32 resultHash, bytes32 resultSeal, bytes calldata enclaveSign)
        private
        view
    {
        if (!LibSignature.isEthSignedBy(enclaveChallenge, keccak256(abi.encodePacked(resultHash, resultSeal)), enclaveSign))
        {
            revert InvalidEnclaveSignature();
        }
    }

    /// Without a callback, `resultsCallback` must be empty unless it hashes to the digest; with
    /// one, it must hash to the digest.
    function _checkResultsCallback(address callback, bytes calldata resultsCallback, bytes32 resultDigest)
        private
        pure
    {
        if (
            !(callback == address(0) && resultsCallback.length == 0)
                && keccak256(resultsCallback) != resultDigest
        ) revert InvalidResultsCallback();
    }

    // ------------------------------------------------------------------------------------------
    // Payments
    // ------------------------------------------------------------------------------------------

    /// Reads what the payments need: the app owner slot, the dataset owner slot when the deal
    /// has a dataset, the sponsor slot when flagged. `config`, `poolWord` and `requesterWord`
    /// are slots 1, 5 and 6, already loaded.
    function _terms(LibStorage.Deal storage deal, uint256 config, uint256 poolWord, uint256 requesterWord)
        private
        view
        returns (Terms memory t)
    {
        uint256 appOwnerWord = P.word(deal, P.DEAL_APP_OWNER);
        t.appOwner = P.addr(appOwnerWord);
        t.appPrice = P.high(appOwnerWord);
        if (P.addr(config) != address(0)) {
            uint256 datasetOwnerWord = P.word(deal, P.DEAL_DATASET_OWNER);
            t.datasetOwner = P.addr(datasetOwnerWord);
            t.datasetPrice = P.high(datasetOwnerWord);
        }
        t.workerpoolOwner = P.addr(poolWord);
        t.workerpoolPrice = P.high(poolWord);
        t.schedulerRewardRatio = P.schedulerRewardRatio(config);
        t.sponsor = P.sponsor(deal, config, requesterWord);
    }

    /// successWork: the sponsor pays the task, the app and dataset owners are paid, the
    /// scheduler's stake is returned and it receives a share of the kitty.
    function _successWork(LibStorage.Layout storage s, bytes32 taskId, Terms memory t) private {
        LibEscrow.seize(t.sponsor, t.appPrice + t.datasetPrice + t.workerpoolPrice, taskId);
        if (t.appPrice > 0) LibEscrow.reward(t.appOwner, t.appPrice, taskId);
        if (t.datasetPrice > 0) LibEscrow.reward(t.datasetOwner, t.datasetPrice, taskId);
        LibEscrow.unlock(t.workerpoolOwner, t.workerpoolPrice * Constants.WORKERPOOL_STAKE_RATIO / 100);
        uint256 kitty = s.accounts[Constants.KITTY_ADDRESS].frozen;
        if (kitty > 0) {
            uint256 amount = Math.min(Math.max(kitty * Constants.KITTY_RATIO / 100, Constants.KITTY_MIN), kitty);
            LibEscrow.seize(Constants.KITTY_ADDRESS, amount, taskId);
            LibEscrow.reward(t.workerpoolOwner, amount, taskId);
        }
    }

    /// distributeRewards: the pool price plus the stakes of losing contributors is shared among
    /// the provers by log-weight (floor), after the scheduler's ratio; the scheduler keeps the
    /// remainder. Scores: +1 for provers of a replicated task, ⌊2s/3⌋ for the others.
    function _distributeRewards(
        LibStorage.Layout storage s,
        LibStorage.Task storage task,
        uint256 n,
        bytes32 taskId,
        Terms memory t,
        uint256 workerStake
    ) private {
        mapping(uint256 => address) storage contributors = task.contributors;
        mapping(address => LibStorage.Contribution) storage contributions = s.contributions[taskId];
        uint256 totalReward = t.workerpoolPrice;
        uint256 totalLogWeight = 0;
        for (uint256 i = 0; i < n; i++) {
            uint256 cw = P.contributionWord(contributions[contributors[i]]);
            if (P.status(cw) == P.PROVED) totalLogWeight += P.contributionWeight(cw);
            else totalReward += workerStake;
        }
        uint256 workersReward = totalReward * (100 - t.schedulerRewardRatio) / 100;
        for (uint256 i = 0; i < n; i++) {
            address worker = contributors[i];
            uint256 cw = P.contributionWord(contributions[worker]);
            if (P.status(cw) == P.PROVED) {
                uint256 share = workersReward * P.contributionWeight(cw) / totalLogWeight;
                totalReward -= share;
                LibEscrow.unlock(worker, workerStake);
                LibEscrow.reward(worker, share, taskId);
                if (n > 1) {
                    s.workerScores[worker] += 1;
                    emit AccurateContribution(worker, taskId);
                }
            } else {
                LibEscrow.seize(worker, workerStake, taskId);
                s.workerScores[worker] = s.workerScores[worker] * 2 / 3;
                emit FaultyContribution(worker, taskId);
            }
        }
        LibEscrow.reward(t.workerpoolOwner, totalReward, taskId);
    }

    /// Calls `callback.receiveResult(taskId, resultsCallback)` with the configured gas, ignoring
    /// its outcome (and its return data), then makes sure the callee was not starved of gas.
    function _executeCallback(
        LibStorage.Layout storage s,
        address callback,
        bytes32 taskId,
        bytes calldata resultsCallback
    ) private {
        if (callback == address(0)) return;
        uint256 gasLimit = s.callbackGas;
        bytes memory data = abi.encodeCall(IOracleConsumer.receiveResult, (taskId, resultsCallback));
        assembly ("memory-safe") {
            pop(call(gasLimit, callback, 0, add(data, 0x20), mload(data), 0, 0))
        }
        if (gasleft() <= gasLimit / 63) revert CallbackGasStarved();
    }

    // ------------------------------------------------------------------------------------------
    // Deadlines
    // ------------------------------------------------------------------------------------------

    /// now + `delay`, checked to fit the packed uint40.
    function _deadline(uint256 delay) private view returns (uint256 deadline) {
        deadline = block.timestamp + delay;
        if (deadline > type(uint40).max) revert DeadlineOverflow();
    }

    function _finalDeadline(LibStorage.Deal storage deal) private view returns (uint256) {
        uint256 config = P.word(deal, P.DEAL_CONFIG);
        return P.startTime(config) + Constants.FINAL_DEADLINE_RATIO * P.timeref(P.category(config));
    }
}
