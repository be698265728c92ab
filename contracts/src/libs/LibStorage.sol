// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

/// @title Storage of the protocol address, shared by every module.
/// @notice Confide's own layout (ERC-7201 namespace `confide.storage.protocol`), packed for gas:
/// a deal takes 6 to 12 slots instead of PoCo's 20+, a task 1 or 2 slots at initialize, an account
/// (balance + locked) one slot. Views rebuild PoCo's struct shapes from it. The bit fields of
/// the packed deal and task words are read and written through `LibPacked`, which names them.
///
/// Rules every writer follows:
/// - optional slots are written only when non-zero (a zero store to a cold slot still costs
///   2,200 gas); a flag of the deal's config word says which optional deal slots are in use,
///   so readers skip the others without loading them;
/// - values are range-checked before being narrowed (prices and stakes to uint96, trust to
///   uint96, `botFirst + botSize` below 2^48, category to uint16, timestamps to uint40) so
///   packing never truncates silently.
library LibStorage {
    /// keccak256(abi.encode(uint256(keccak256("confide.storage.protocol")) - 1)) & ~0xff
    bytes32 internal constant SLOT = 0x2ec354c0df1e1ac35b85c8c42e316ff65f44aca0fd6821315e6cd32d911d7800;

    /// Free and locked SRLC of one account, in one slot.
    struct Account {
        uint128 balance;
        uint128 frozen;
    }

    /// A deal: 6 slots without a dataset, 7 with one, plus the optional slots 7-11. Fields are
    /// grouped by who reads them together: `initialize` needs slot 2 only; a finalize needs
    /// slots 1, 3, 4 (with a dataset), 5 and 6.
    struct Deal {
        // slot 0
        address app;
        uint96 workerStake;
        // slot 1: the dataset (zero without one) and the deal's configuration (`config`, the
        // high 96 bits: see LibPacked.CONFIG_*)
        address dataset;
        uint40 startTime;
        uint16 category;
        uint8 schedulerRewardRatio;
        uint8 flags; // LibPacked.FLAG_*: which of the optional slots 7-10 are in use
        uint16 tagLow; // bits 0-15 of the tag (every bit PoCo defines); the rest is in slot 10
        // slot 2: the workerpool and the bag of tasks (botFirst + botSize < 2^48)
        address workerpool;
        uint48 botFirst;
        uint48 botSize;
        // slot 3
        address appOwner;
        uint96 appPrice;
        // slot 4 (written only when a dataset is used)
        address datasetOwner;
        uint96 datasetPrice;
        // slot 5
        address workerpoolOwner;
        uint96 workerpoolPrice;
        // slot 6
        address requester;
        uint96 trust;
        // slots 7-10, each in use only when its flag is set: beneficiary (FLAG_BENEFICIARY: it
        // is not the requester; the slot stays zero for the zero address), callback
        // (FLAG_CALLBACK), sponsor (FLAG_SPONSOR: it is not the requester), the whole tag
        // (FLAG_TAG: the tag has bits above 15)
        address beneficiary;
        address callback;
        address sponsor;
        bytes32 tag;
        // slot 11+ (empty when no params)
        string params;
    }

    /// A task. The contribution and final deadlines are not stored: they derive from the deal's
    /// start time and category (`start + 7·timeref`, `start + 10·timeref`). `results` and
    /// `resultsCallback` are stored in Confide's compact byte encoding (see LibPacked): their
    /// lengths in slot 1, their bytes in whole words in spare bits and from slot 6 on.
    struct Task {
        // slot 0
        bytes32 dealid;
        // slot 1: see LibPacked.TASK_* (a task exists iff its dealid is non-zero; the status
        // is stored minus one and idx as its offset from the deal's botFirst, so that the first
        // task of a deal has nothing else to store while ACTIVE; on the fast path the counters
        // are implied and their bits hold the first 12 bytes of results)
        uint8 status; // Types.TaskStatusEnum - 1
        uint40 revealDeadline;
        uint32 revealCounter;
        uint32 winnerCounter;
        uint32 contributorCount;
        uint48 idx; // idx - deal.botFirst
        bool fastPath; // completed by contributeAndFinalize: see `worker`, `enclaveChallenge`
        uint32 resultsLength;
        uint24 resultsCallbackLength;
        // slot 2 (classic path)
        bytes32 consensusValue;
        // slot 3
        bytes32 resultDigest;
        // slots 4-5, low 160 bits (fast path only): the single contributor and its challenge;
        // its resultHash, resultSeal and the consensus value derive from
        // (taskId, worker, resultDigest). High 96 bits: the next 2 × 12 bytes of results (bytes
        // 0-23 on the classic path, 12-35 on the fast path).
        address worker;
        bytes12 results0;
        address enclaveChallenge;
        bytes12 results1;
        // slot 6: the next 32 bytes of results; the following ones at keccak256(slot 6) + i
        bytes32 resultsHead;
        // slot 7: resultsCallback bytes [0, 32); the following ones at keccak256(slot 7) + i
        bytes32 resultsCallbackHead;
        // classic path: contributors in order of contribution (`contributorCount` of them)
        mapping(uint256 => address) contributors;
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
        // In the app registry's slot, which every match reads: the number of categories and
        // the chain id `domainSeparator` was computed for (0: not computed, or above 2^64 - 1),
        // from which order hashes recompute the separator instead of loading it.
        uint32 categoryCount;
        uint64 domainChainId;
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
        mapping(uint256 => Category) categories; // 0 .. categoryCount - 1, append-only
    }

    function store() internal pure returns (Layout storage s) {
        bytes32 slot = SLOT;
        assembly {
            s.slot := slot
        }
    }
}
