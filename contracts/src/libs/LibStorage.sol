// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

/// @title Storage of the protocol address, shared by every module.
/// @notice Confide's own layout (ERC-7201 namespace `confide.storage.protocol`), packed for gas:
/// a deal takes 8 to 13 slots instead of PoCo's 20+, a task 2 slots at initialize, an account
/// (balance + locked) one slot. Views rebuild PoCo's struct shapes from it.
///
/// Rules every writer follows:
/// - optional slots are written only when non-zero (a zero store to a cold slot still costs
///   2,200 gas) and read back with their default (e.g. `beneficiary == 0` means the requester);
/// - values are range-checked before being narrowed (prices and stakes to uint96, trust to
///   uint96, indexes to uint96, timestamps to uint40) so packing never truncates silently.
library LibStorage {
    /// keccak256(abi.encode(uint256(keccak256("confide.storage.protocol")) - 1)) & ~0xff
    bytes32 internal constant SLOT = 0x2ec354c0df1e1ac35b85c8c42e316ff65f44aca0fd6821315e6cd32d911d7800;

    /// Free and locked SRLC of one account, in one slot.
    struct Account {
        uint128 balance;
        uint128 frozen;
    }

    /// A deal. `flags` bits: see FLAG_*.
    struct Deal {
        // slot 0
        address app;
        uint96 appPrice;
        // slot 1 (written only when a dataset is used)
        address dataset;
        uint96 datasetPrice;
        // slot 2
        address workerpool;
        uint96 workerpoolPrice;
        // slot 3
        address appOwner;
        uint96 workerStake;
        // slot 4
        address datasetOwner;
        uint40 startTime;
        uint32 category;
        uint8 schedulerRewardRatio;
        // slot 5
        address workerpoolOwner;
        uint96 trust;
        // slot 6
        uint128 botFirst;
        uint128 botSize;
        // slot 7
        address requester;
        // slots 8-10: zero when equal to the default (requester / none / requester)
        address beneficiary;
        address callback;
        address sponsor;
        // slot 11 (zero when no tag)
        bytes32 tag;
        // slot 12+ (empty when no params)
        string params;
    }

    /// A task. The contribution and final deadlines are not stored: they derive from the deal's
    /// start time and category (`start + 7·timeref`, `start + 10·timeref`).
    struct Task {
        // slot 0
        bytes32 dealid;
        // slot 1
        uint8 status; // Types.TaskStatusEnum
        uint40 revealDeadline;
        uint32 revealCounter;
        uint32 winnerCounter;
        uint96 idx;
        bool fastPath; // completed by contributeAndFinalize: see `worker`, `enclaveChallenge`
        // slot 2 (classic path)
        bytes32 consensusValue;
        // slot 3
        bytes32 resultDigest;
        // slots 4-5 (fast path only): the single contributor and its challenge; its resultHash,
        // resultSeal and the consensus value derive from (taskId, worker, resultDigest).
        address worker;
        address enclaveChallenge;
        // classic path
        address[] contributors;
        bytes results;
        bytes resultsCallback;
    }

    /// A contribution of the classic (contribute/reveal) path.
    struct Contribution {
        // slot 0
        uint8 status; // Types.ContributionStatusEnum
        uint8 weight;
        address enclaveChallenge;
        // slots 1-2
        bytes32 resultHash;
        bytes32 resultSeal;
    }

    struct Category {
        string name;
        string description;
        uint256 workClockTimeRef;
    }

    struct Layout {
        // Configuration.
        address owner;
        uint64 callbackGas;
        bool configured;
        address token;
        address appRegistry;
        address datasetRegistry;
        address workerpoolRegistry;
        address teeBroker;
        bytes32 domainSeparator;
        string name;
        string symbol;
        uint8 decimals;
        // SRLC.
        uint256 totalSupply;
        mapping(address => Account) accounts;
        mapping(address => mapping(address => uint256)) allowances;
        // Orders.
        mapping(bytes32 => uint256) consumed;
        mapping(bytes32 => address) presigned;
        // Deals and tasks.
        mapping(bytes32 => Deal) deals;
        mapping(bytes32 => Task) tasks;
        mapping(bytes32 => mapping(address => Contribution)) contributions;
        // Consensus: weight of each result group, and the total minus 1 (so that an initialized
        // task costs no storage for its initial total of 1).
        mapping(bytes32 => mapping(bytes32 => uint256)) groups;
        mapping(bytes32 => uint256) totalMinusOne;
        mapping(address => uint256) workerScores;
        Category[] categories;
    }

    function store() internal pure returns (Layout storage s) {
        bytes32 slot = SLOT;
        assembly {
            s.slot := slot
        }
    }
}
