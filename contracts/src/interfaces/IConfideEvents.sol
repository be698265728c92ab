// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {Types} from "./Types.sol";

/// @title Events of the protocol address, identical to PoCo's (names, types, indexing).
interface IConfideEvents {
    // SRLC (internal ERC-20) and escrow.
    event Transfer(address indexed from, address indexed to, uint256 value);
    event Approval(address indexed owner, address indexed spender, uint256 value);
    event Lock(address owner, uint256 amount);
    event Unlock(address owner, uint256 amount);
    event Reward(address owner, uint256 amount, bytes32 ref);
    event Seize(address owner, uint256 amount, bytes32 ref);

    // Administration.
    event OwnershipTransferred(address indexed previousOwner, address indexed newOwner);
    event CreateCategory(uint256 catid, string name, string description, uint256 workClockTimeRef);

    // Orders.
    event SignedAppOrder(bytes32 appHash);
    event SignedDatasetOrder(bytes32 datasetHash);
    event SignedWorkerpoolOrder(bytes32 workerpoolHash);
    event SignedRequestOrder(bytes32 requestHash);
    event ClosedAppOrder(bytes32 appHash);
    event ClosedDatasetOrder(bytes32 datasetHash);
    event ClosedWorkerpoolOrder(bytes32 workerpoolHash);
    event ClosedRequestOrder(bytes32 requestHash);
    event BroadcastAppOrder(Types.AppOrder apporder);
    event BroadcastDatasetOrder(Types.DatasetOrder datasetorder);
    event BroadcastWorkerpoolOrder(Types.WorkerpoolOrder workerpoolorder);
    event BroadcastRequestOrder(Types.RequestOrder requestorder);

    // Deals.
    event SchedulerNotice(address indexed workerpool, bytes32 dealid);
    event OrdersMatched(
        bytes32 dealid, bytes32 appHash, bytes32 datasetHash, bytes32 workerpoolHash, bytes32 requestHash, uint256 volume
    );
    event DealSponsored(bytes32 dealId, address sponsor);

    // Tasks.
    event TaskInitialize(bytes32 indexed taskid, address indexed workerpool);
    event TaskContribute(bytes32 indexed taskid, address indexed worker, bytes32 hash);
    event TaskConsensus(bytes32 indexed taskid, bytes32 consensus);
    event TaskReveal(bytes32 indexed taskid, address indexed worker, bytes32 digest);
    event TaskReopen(bytes32 indexed taskid);
    event TaskFinalize(bytes32 indexed taskid, bytes results);
    event TaskClaimed(bytes32 indexed taskid);
    event AccurateContribution(address indexed worker, bytes32 indexed taskid);
    event FaultyContribution(address indexed worker, bytes32 indexed taskid);
}
