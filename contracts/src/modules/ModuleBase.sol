// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {IConfideEvents} from "../interfaces/IConfideEvents.sol";
import {IERC734} from "../interfaces/IAssetRegistry.sol";
import {LibStorage} from "../libs/LibStorage.sol";
import {Constants} from "../libs/Constants.sol";

/// @title What every module shares. Modules run by DELEGATECALL from the `Confide` router, so
/// `address(this)` is the protocol address and storage is `LibStorage`'s.
abstract contract ModuleBase is IConfideEvents {
    modifier onlyOwner() {
        require(msg.sender == LibStorage.store().owner, "Ownable: caller is not the owner");
        _;
    }

    /// PoCo's restriction rule: no restriction, the exact account, or an ERC-734 group in which
    /// the account's key has the group-member purpose (a reverting group means "no").
    function _isAuthorizedByRestriction(address restriction, address account) internal view returns (bool) {
        if (restriction == address(0) || restriction == account) return true;
        if (restriction.code.length == 0) return false;
        try IERC734(restriction).keyHasPurpose(bytes32(uint256(uint160(account))), Constants.GROUPMEMBER_PURPOSE)
        returns (bool member) {
            return member;
        } catch {
            return false;
        }
    }
}
