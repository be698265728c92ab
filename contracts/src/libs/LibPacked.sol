// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {LibStorage} from "./LibStorage.sol";

/// @title Raw access to the packed slots of `LibStorage.Deal` and `LibStorage.Task`.
/// @notice Lets a call load each packed slot once (one SLOAD) and decode every field it needs
/// from the word, instead of one SLOAD per field. Slot indexes and bit offsets follow the
/// declaration order of the structs (checked against solc's storage layout).
library LibPacked {
    // --- Deal: slot index within the struct ---
    uint256 internal constant DEAL_APP = 0; // app | appPrice
    uint256 internal constant DEAL_DATASET = 1; // dataset | datasetPrice (zero when no dataset)
    uint256 internal constant DEAL_WORKERPOOL = 2; // workerpool | workerpoolPrice
    uint256 internal constant DEAL_APP_OWNER = 3; // appOwner | workerStake
    uint256 internal constant DEAL_CONFIG = 4; // datasetOwner | startTime | category | schedulerRewardRatio
    uint256 internal constant DEAL_WORKERPOOL_OWNER = 5; // workerpoolOwner | trust
    uint256 internal constant DEAL_BOT = 6; // botFirst | botSize
    uint256 internal constant DEAL_REQUESTER = 7;
    uint256 internal constant DEAL_BENEFICIARY = 8; // zero: the requester
    uint256 internal constant DEAL_CALLBACK = 9; // zero: none
    uint256 internal constant DEAL_SPONSOR = 10; // zero: the requester
    uint256 internal constant DEAL_TAG = 11;

    // --- Task: slot 1 layout ---
    uint256 internal constant TASK_PACKED = 1;
    uint256 internal constant STATUS_MASK = 0xff;
    uint256 internal constant REVEAL_DEADLINE_SHIFT = 8;
    uint256 internal constant REVEAL_COUNTER_SHIFT = 48;
    uint256 internal constant WINNER_COUNTER_SHIFT = 80;
    uint256 internal constant IDX_SHIFT = 112;
    uint256 internal constant FAST_PATH_SHIFT = 208;
    /// The `idx` field in place.
    uint256 internal constant IDX_FIELD = uint256(type(uint96).max) << IDX_SHIFT;

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

    /// The address in the low 160 bits of a word.
    function addr(uint256 w) internal pure returns (address) {
        return address(uint160(w));
    }

    /// The uint96 in the high 96 bits of a word (prices, worker stake, trust).
    function high(uint256 w) internal pure returns (uint256) {
        return w >> 160;
    }

    function startTime(uint256 config) internal pure returns (uint256) {
        return uint40(config >> 160);
    }

    function category(uint256 config) internal pure returns (uint256) {
        return uint32(config >> 200);
    }

    function schedulerRewardRatio(uint256 config) internal pure returns (uint256) {
        return uint8(config >> 232);
    }

    /// `workClockTimeRef` of a category. No bound check: a deal's category was checked against
    /// the (append-only) category list when the deal was matched.
    function timeref(uint256 categoryIndex) internal view returns (uint256 t) {
        LibStorage.Category[] storage categories = LibStorage.store().categories;
        assembly ("memory-safe") {
            mstore(0, categories.slot)
            t := sload(add(keccak256(0, 0x20), add(mul(categoryIndex, 3), 2)))
        }
    }

    // --- Task ---

    /// Slot 1 of `task` (status, reveal deadline, counters, idx, fast-path flag).
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

    function idx(uint256 w) internal pure returns (uint256) {
        return uint96(w >> IDX_SHIFT);
    }

    function fastPath(uint256 w) internal pure returns (bool) {
        return uint8(w >> FAST_PATH_SHIFT) != 0;
    }

    /// Same word with another status.
    function withStatus(uint256 w, uint256 newStatus) internal pure returns (uint256) {
        return (w & ~STATUS_MASK) | newStatus;
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
