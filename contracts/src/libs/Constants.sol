// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

/// @title Protocol constants (PoCo's values; not changeable without a new deployment).
library Constants {
    uint256 internal constant CONTRIBUTION_DEADLINE_RATIO = 7;
    uint256 internal constant REVEAL_DEADLINE_RATIO = 2;
    uint256 internal constant FINAL_DEADLINE_RATIO = 10;
    uint256 internal constant WORKERPOOL_STAKE_RATIO = 30;
    uint256 internal constant KITTY_RATIO = 10;
    uint256 internal constant KITTY_MIN = 1e9;
    /// The pseudo-account whose locked balance is the kitty (PoCo's literal address).
    address internal constant KITTY_ADDRESS = 0x99c2268479b93fDe36232351229815DF80837e23;
    uint256 internal constant GROUPMEMBER_PURPOSE = 4;
    /// Default gas given to a deal's callback (PoCo v6.2).
    uint256 internal constant DEFAULT_CALLBACK_GAS = 200_000;

    string internal constant DOMAIN_NAME = "iExecODB";
    string internal constant DOMAIN_VERSION = "5.0.0";
}
