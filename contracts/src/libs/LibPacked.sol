// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {LibStorage} from "./LibStorage.sol";
import {IConfide} from "../interfaces/IConfide.sol";

/// @title Raw access to the packed slots of `LibStorage.Deal` and `LibStorage.Task`.
/// @notice Lets a call load each packed slot once (one SLOAD) and decode every field it needs
/// from the word, and write a slot as one whole word (no read-modify-write), instead of one
/// SLOAD or SSTORE per field. Slot indexes and bit offsets follow the declaration order of the
/// structs in `LibStorage` (solc packs a slot's fields from the low bits up):
///
/// Deal (addresses in the low 160 bits, the 96-bit field above them):
///   0 app | workerStake             4 datasetOwner | datasetPrice (only with a dataset)
///   1 dataset | config              5 workerpoolOwner | workerpoolPrice
///   2 workerpool | botFirst, botSize 6 requester | trust
///   3 appOwner | appPrice           7 beneficiary, 8 callback, 9 sponsor, 10 tag (flagged)
///   config (bits 160-255 of slot 1): startTime 40 | category 16 | schedulerRewardRatio 8 |
///   flags 8 | tag bits 0-15 16 | 8 unused
///
/// Task slot 1: status 8 | revealDeadline 40 | revealCounter 32 | winnerCounter 32 |
///   contributorCount 32 | idx 48 | fastPath 8 | resultsLength 32 | resultsCallbackLength 24
///   On the fast path (fastPath = 1) the two counters are implied (1 and 1, no contributor
///   record): their 96 bits with the contributor count's (bits 48-143) hold results bytes 0-11.
///   A task exists iff its slot 0 (dealid) is non-zero. Its status is stored minus one (ACTIVE
///   is 0) and its idx as the offset from the deal's botFirst, so the usual task (the first,
///   often only, one of its deal) has an all-zero slot 1 while ACTIVE: `initialize` writes one
///   slot, and the slot's first write later costs what the second write at initialize would.
///
/// Task bytes (`results`, `resultsCallback`): the length in slot 1; the bytes, left-aligned
/// in whole words and zero after the end, in a chain of places: for `results` (after the 12
/// bytes of slot 1 on the fast path) the high 96 bits of slots 4 and 5 (12 bytes each), slot 6
/// (32 bytes), then keccak256(slot 6) + i (32 bytes each); for `resultsCallback` slot 7 then
/// keccak256(slot 7) + i. A TEE task's 97-byte IPFS result location thus takes 2 new slots
/// (plus the spare bits of slot 1 and of the worker and challenge slots) instead of
/// Solidity's 5.
library LibPacked {
    // --- Deal: slot index within the struct ---
    uint256 internal constant DEAL_APP = 0; // app | workerStake
    uint256 internal constant DEAL_CONFIG = 1; // dataset | config
    uint256 internal constant DEAL_WORKERPOOL = 2; // workerpool | botFirst | botSize
    uint256 internal constant DEAL_APP_OWNER = 3; // appOwner | appPrice
    uint256 internal constant DEAL_DATASET_OWNER = 4; // datasetOwner | datasetPrice (zero when no dataset)
    uint256 internal constant DEAL_WORKERPOOL_OWNER = 5; // workerpoolOwner | workerpoolPrice
    uint256 internal constant DEAL_REQUESTER = 6; // requester | trust
    uint256 internal constant DEAL_BENEFICIARY = 7; // when FLAG_BENEFICIARY
    uint256 internal constant DEAL_CALLBACK = 8; // when FLAG_CALLBACK
    uint256 internal constant DEAL_SPONSOR = 9; // when FLAG_SPONSOR
    uint256 internal constant DEAL_TAG = 10; // when FLAG_TAG

    // --- Deal: config word (slot 1) ---
    uint256 internal constant START_TIME_SHIFT = 160;
    uint256 internal constant CATEGORY_SHIFT = 200;
    uint256 internal constant SCHEDULER_REWARD_RATIO_SHIFT = 216;
    uint256 internal constant FLAGS_SHIFT = 224;
    uint256 internal constant TAG_LOW_SHIFT = 232;
    /// Flags: the beneficiary is not the requester (slot 7 holds it; zero for the zero address).
    uint256 internal constant FLAG_BENEFICIARY = 1;
    /// The deal has a callback (slot 8).
    uint256 internal constant FLAG_CALLBACK = 2;
    /// The sponsor is not the requester (slot 9).
    uint256 internal constant FLAG_SPONSOR = 4;
    /// The tag has bits above 15 (slot 10 holds the whole tag).
    uint256 internal constant FLAG_TAG = 8;
    /// Tags below this bound live in the config word only.
    uint256 internal constant TAG_LOW_BOUND = 1 << 16;
    /// Bound of `botFirst + botSize` (both are 48-bit fields).
    uint256 internal constant BOT_BOUND = 1 << 48;

    // --- Task: slot 1 layout ---
    uint256 internal constant TASK_PACKED = 1;
    uint256 internal constant STATUS_MASK = 0xff;
    uint256 internal constant REVEAL_DEADLINE_SHIFT = 8;
    uint256 internal constant REVEAL_COUNTER_SHIFT = 48;
    uint256 internal constant WINNER_COUNTER_SHIFT = 80;
    uint256 internal constant CONTRIBUTOR_COUNT_SHIFT = 112;
    uint256 internal constant IDX_SHIFT = 144;
    uint256 internal constant FAST_PATH_SHIFT = 192;
    /// Fast path: results bytes 0-11 in place of the counters.
    uint256 internal constant FAST_RESULTS_SHIFT = 48;
    uint256 internal constant RESULTS_LENGTH_SHIFT = 200;
    uint256 internal constant RESULTS_CALLBACK_LENGTH_SHIFT = 232;
    /// The `idx` field (offset from the deal's botFirst) in place.
    uint256 internal constant IDX_FIELD = uint256(type(uint48).max) << IDX_SHIFT;
    /// The `contributorCount` field in place.
    uint256 internal constant CONTRIBUTOR_COUNT_FIELD = uint256(type(uint32).max) << CONTRIBUTOR_COUNT_SHIFT;
    uint256 internal constant MAX_CONTRIBUTORS = type(uint32).max;
    uint256 internal constant MAX_RESULTS_LENGTH = type(uint32).max;
    /// 16 MiB: more than any transaction can carry (at 4 gas per calldata byte, 2^24 bytes cost
    /// 67 M gas, above block gas limits and EIP-7825's 2^24 gas transaction cap).
    uint256 internal constant MAX_RESULTS_CALLBACK_LENGTH = type(uint24).max;

    // --- Task: slots of the stored bytes ---
    // (results bytes: classic path 0-11, 12-23, 24-55; fast path 12-23, 24-35, 36-67)
    uint256 internal constant TASK_WORKER = 4; // worker | 12 results bytes
    uint256 internal constant TASK_CHALLENGE = 5; // enclaveChallenge | 12 results bytes
    uint256 internal constant TASK_RESULTS_HEAD = 6; // 32 results bytes, then keccak256(6) + i
    uint256 internal constant TASK_RESULTS_CALLBACK_HEAD = 7; // resultsCallback bytes 0-31
    /// Bytes of `results` in a 96-bit field (of slot 1 on the fast path, of slots 4 and 5).
    uint256 internal constant RESULTS_FIELD = 12;

    // Types.TaskStatusEnum
    uint256 internal constant UNSET = 0;
    uint256 internal constant ACTIVE = 1;
    uint256 internal constant REVEALING = 2;
    uint256 internal constant COMPLETED = 3;
    uint256 internal constant FAILED = 4;

    // Types.ContributionStatusEnum
    uint256 internal constant CONTRIBUTED = 1;
    uint256 internal constant PROVED = 2;
    uint256 internal constant REJECTED = 3;

    // --- Deal ---

    /// Word `index` of `deal` (see DEAL_*).
    function word(LibStorage.Deal storage deal, uint256 index) internal view returns (uint256 w) {
        assembly ("memory-safe") {
            w := sload(add(deal.slot, index))
        }
    }

    /// Writes word `index` of `deal` whole.
    function setWord(LibStorage.Deal storage deal, uint256 index, uint256 w) internal {
        assembly ("memory-safe") {
            sstore(add(deal.slot, index), w)
        }
    }

    /// The address in the low 160 bits of a word.
    function addr(uint256 w) internal pure returns (address) {
        return address(uint160(w));
    }

    /// The uint96 in the high 96 bits of a word (prices, worker stake, trust).
    function high(uint256 w) internal pure returns (uint256) {
        return w >> 160;
    }

    /// An address with a value below 2^96 above it.
    function pack(address a, uint256 highValue) internal pure returns (uint256) {
        return uint256(uint160(a)) | (highValue << 160);
    }

    function startTime(uint256 config) internal pure returns (uint256) {
        return uint40(config >> START_TIME_SHIFT);
    }

    function category(uint256 config) internal pure returns (uint256) {
        return uint16(config >> CATEGORY_SHIFT);
    }

    function schedulerRewardRatio(uint256 config) internal pure returns (uint256) {
        return uint8(config >> SCHEDULER_REWARD_RATIO_SHIFT);
    }

    function hasFlag(uint256 config, uint256 flag) internal pure returns (bool) {
        return (config >> FLAGS_SHIFT) & flag != 0;
    }

    /// Bits 0-15 of the deal's tag (bit 0: TEE).
    function tagLow(uint256 config) internal pure returns (uint256) {
        return uint16(config >> TAG_LOW_SHIFT);
    }

    /// The deal's whole tag (reads slot 10 only for a tag with bits above 15).
    function tag(LibStorage.Deal storage deal, uint256 config) internal view returns (bytes32) {
        return hasFlag(config, FLAG_TAG) ? bytes32(word(deal, DEAL_TAG)) : bytes32(tagLow(config));
    }

    function botFirst(uint256 pool) internal pure returns (uint256) {
        return uint48(pool >> 160);
    }

    function botSize(uint256 pool) internal pure returns (uint256) {
        return pool >> 208;
    }

    /// The sponsor: slot 9 when flagged, else the requester of slot 6 (`requesterWord`).
    function sponsor(LibStorage.Deal storage deal, uint256 config, uint256 requesterWord)
        internal
        view
        returns (address)
    {
        return hasFlag(config, FLAG_SPONSOR) ? addr(word(deal, DEAL_SPONSOR)) : addr(requesterWord);
    }

    /// The callback (zero when none; reads slot 8 only when flagged).
    function callback(LibStorage.Deal storage deal, uint256 config) internal view returns (address) {
        return hasFlag(config, FLAG_CALLBACK) ? addr(word(deal, DEAL_CALLBACK)) : address(0);
    }

    /// `workClockTimeRef` of a category. No bound check: a deal's category was checked against
    /// the (append-only) category list when the deal was matched.
    function timeref(uint256 categoryIndex) internal view returns (uint256) {
        return LibStorage.store().categories[categoryIndex].workClockTimeRef;
    }

    // --- Task ---

    /// Slot 1 of `task` (see TASK_*).
    function packed(LibStorage.Task storage task) internal view returns (uint256 w) {
        assembly ("memory-safe") {
            w := sload(add(task.slot, 1))
        }
    }

    function setPacked(LibStorage.Task storage task, uint256 w) internal {
        assembly ("memory-safe") {
            sstore(add(task.slot, 1), w)
        }
    }

    /// Word `index` of `task`.
    function taskWord(LibStorage.Task storage task, uint256 index) internal view returns (uint256 w) {
        assembly ("memory-safe") {
            w := sload(add(task.slot, index))
        }
    }

    /// The status of a contribution word (Types.ContributionStatusEnum).
    function status(uint256 w) internal pure returns (uint256) {
        return w & STATUS_MASK;
    }

    function revealDeadline(uint256 w) internal pure returns (uint256) {
        return uint40(w >> REVEAL_DEADLINE_SHIFT);
    }

    function revealCounter(uint256 w) internal pure returns (uint256) {
        return uint32(w >> REVEAL_COUNTER_SHIFT);
    }

    function winnerCounter(uint256 w) internal pure returns (uint256) {
        return uint32(w >> WINNER_COUNTER_SHIFT);
    }

    /// `idx - botFirst` of the task.
    function idxOffset(uint256 w) internal pure returns (uint256) {
        return uint48(w >> IDX_SHIFT);
    }

    function fastPath(uint256 w) internal pure returns (bool) {
        return uint8(w >> FAST_PATH_SHIFT) != 0;
    }

    function contributorCount(uint256 w) internal pure returns (uint256) {
        return uint32(w >> CONTRIBUTOR_COUNT_SHIFT);
    }

    function resultsLength(uint256 w) internal pure returns (uint256) {
        return uint32(w >> RESULTS_LENGTH_SHIFT);
    }

    function resultsCallbackLength(uint256 w) internal pure returns (uint256) {
        return w >> RESULTS_CALLBACK_LENGTH_SHIFT;
    }

    /// The status of an existing task (Types.TaskStatusEnum; slot 1 stores it minus one).
    function taskStatus(uint256 w) internal pure returns (uint256) {
        return (w & STATUS_MASK) + 1;
    }

    /// The status field of a task's slot 1 for `newStatus` (≥ ACTIVE).
    function taskStatusField(uint256 newStatus) internal pure returns (uint256) {
        return newStatus - 1;
    }

    /// Same task word with another status.
    function withTaskStatus(uint256 w, uint256 newStatus) internal pure returns (uint256) {
        return (w & ~STATUS_MASK) | taskStatusField(newStatus);
    }

    /// Same contribution word with another status.
    function withStatus(uint256 w, uint256 newStatus) internal pure returns (uint256) {
        return (w & ~STATUS_MASK) | newStatus;
    }

    // --- Task bytes ---

    /// Bytes [start, start + 32) of `data` left-aligned in a word, zero past the end of `data`
    /// (whatever follows it in calldata is not stored). Requires `start < data.length`.
    function chunk(bytes calldata data, uint256 start) internal pure returns (uint256 w) {
        assembly ("memory-safe") {
            w := calldataload(add(data.offset, start))
            let left := sub(data.length, start)
            if lt(left, 32) { w := and(w, not(shr(shl(3, left), not(0)))) }
        }
    }

    /// Stores `data[start:]` (if any) at `head` and its continuation slots keccak256(head) + i,
    /// skipping zero words (the slots of a task's bytes are written once, on fresh storage).
    function storeTail(uint256 head, bytes calldata data, uint256 start) internal {
        uint256 length = data.length;
        if (start >= length) return;
        uint256 w = chunk(data, start);
        assembly ("memory-safe") {
            if w { sstore(head, w) }
        }
        uint256 next = start + 32;
        if (next >= length) return;
        uint256 slot;
        assembly ("memory-safe") {
            mstore(0, head)
            slot := keccak256(0, 0x20)
        }
        for (; next < length; next += 32) {
            w = chunk(data, next);
            assembly ("memory-safe") {
                if w { sstore(slot, w) }
                slot := add(slot, 1)
            }
        }
    }

    /// Writes `data[start:]` (`start`: 12 on the fast path, whose slot 1 holds the first 12
    /// bytes, else 0) to the chain of a task's `results`, with `worker` and `challenge` in the low
    /// bits of slots 4 and 5 (zero on the classic path). Slots that would stay zero are not
    /// written.
    function storeResults(
        LibStorage.Task storage task,
        address worker,
        address challenge,
        bytes calldata data,
        uint256 start
    ) internal {
        uint256 length = data.length;
        uint256 w4 = uint160(worker);
        uint256 w5 = uint160(challenge);
        if (length > start) w4 |= chunk(data, start) >> 160 << 160;
        if (length > start + RESULTS_FIELD) w5 |= chunk(data, start + RESULTS_FIELD) >> 160 << 160;
        uint256 head;
        assembly ("memory-safe") {
            let base := task.slot
            if w4 { sstore(add(base, TASK_WORKER), w4) }
            if w5 { sstore(add(base, TASK_CHALLENGE), w5) }
            head := add(base, TASK_RESULTS_HEAD)
        }
        storeTail(head, data, start + 2 * RESULTS_FIELD);
    }

    /// Fast path: results bytes 0-11 in place in slot 1.
    function fastResultsField(bytes calldata data) internal pure returns (uint256) {
        if (data.length == 0) return 0;
        return chunk(data, 0) >> 160 << FAST_RESULTS_SHIFT;
    }

    /// Writes a task's `resultsCallback`.
    function storeResultsCallback(LibStorage.Task storage task, bytes calldata data) internal {
        uint256 head;
        assembly ("memory-safe") {
            head := add(task.slot, TASK_RESULTS_CALLBACK_HEAD)
        }
        storeTail(head, data, 0);
    }

    /// The lengths of `results` and `resultsCallback` in place in a slot 1 word (reverts with
    /// `ValueTooLarge` beyond their fields, which no transaction can reach).
    function lengths(uint256 resultsLen, uint256 resultsCallbackLen) internal pure returns (uint256) {
        return (fit(resultsLen, MAX_RESULTS_LENGTH) << RESULTS_LENGTH_SHIFT)
            | (fit(resultsCallbackLen, MAX_RESULTS_CALLBACK_LENGTH) << RESULTS_CALLBACK_LENGTH_SHIFT);
    }

    /// `value`, or a `ValueTooLarge` revert above `max`.
    function fit(uint256 value, uint256 max) internal pure returns (uint256) {
        if (value > max) revert IConfide.ValueTooLarge(value, max);
        return value;
    }

    /// Reads `length - start` bytes stored by `storeTail(head, ·, start)` into `out` from byte
    /// `start` on. `out` has `length` bytes; whole words are written, which may run up to 31
    /// bytes past its end (zeros, into unallocated memory).
    function loadTail(uint256 head, bytes memory out, uint256 start, uint256 length) internal view {
        if (start >= length) return;
        assembly ("memory-safe") {
            let p := add(add(out, 0x20), start)
            mstore(p, sload(head))
            let end := add(add(out, 0x20), length)
            p := add(p, 0x20)
            if lt(p, end) {
                mstore(0, head)
                let slot := keccak256(0, 0x20)
                for {} lt(p, end) {
                    p := add(p, 0x20)
                    slot := add(slot, 1)
                } { mstore(p, sload(slot)) }
            }
        }
    }

    /// A task's `results` (length and, on the fast path, bytes 0-11 from its slot 1 word `w`).
    function results(LibStorage.Task storage task, uint256 w) internal view returns (bytes memory out) {
        uint256 length = resultsLength(w);
        out = new bytes(length);
        if (length == 0) return out;
        uint256 start = 0;
        if (fastPath(w)) {
            uint256 first = uint96(w >> FAST_RESULTS_SHIFT);
            assembly ("memory-safe") {
                mstore(add(out, 0x20), shl(160, first))
            }
            start = RESULTS_FIELD;
        }
        if (start >= length) return out;
        // The next 24 bytes: the high 96 bits of slots 4 and 5, side by side in one word.
        uint256 next = taskWord(task, TASK_WORKER) >> 160 << 160;
        if (length > start + RESULTS_FIELD) next |= taskWord(task, TASK_CHALLENGE) >> 160 << 64;
        uint256 head;
        assembly ("memory-safe") {
            mstore(add(add(out, 0x20), start), next)
            head := add(task.slot, TASK_RESULTS_HEAD)
        }
        loadTail(head, out, start + 2 * RESULTS_FIELD, length);
    }

    /// A task's `resultsCallback` (length from its slot 1 word `w`).
    function resultsCallback(LibStorage.Task storage task, uint256 w) internal view returns (bytes memory out) {
        uint256 length = resultsCallbackLength(w);
        out = new bytes(length);
        uint256 head;
        assembly ("memory-safe") {
            head := add(task.slot, TASK_RESULTS_CALLBACK_HEAD)
        }
        loadTail(head, out, 0, length);
    }

    // --- Contribution: slot 0 = status | weight | enclaveChallenge ---

    function contributionWord(LibStorage.Contribution storage c) internal view returns (uint256 w) {
        assembly ("memory-safe") {
            w := sload(c.slot)
        }
    }

    function setContributionWord(LibStorage.Contribution storage c, uint256 w) internal {
        assembly ("memory-safe") {
            sstore(c.slot, w)
        }
    }

    function contributionWeight(uint256 w) internal pure returns (uint256) {
        return uint8(w >> 8);
    }

    function contributionChallenge(uint256 w) internal pure returns (address) {
        return address(uint160(w >> 16));
    }
}
