// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {LibStorage} from "./LibStorage.sol";
import {IConfideEvents} from "../interfaces/IConfideEvents.sol";

/// @title SRLC accounting: the internal ERC-20 of deposited funds and the escrow primitives.
/// @notice Same model and events as PoCo: locked funds move to the protocol's own account
/// (`address(this)`, whose balance therefore equals the sum of every `frozen`, kitty included);
/// `seize` only drops the payer's `frozen` (the value stays with the protocol until rewarded).
/// An account's balance and frozen amount share one storage slot.
library LibEscrow {
    string internal constant INSUFFICIENT = "IexecEscrow: Transfer amount exceeds balance";

    function mint(address to, uint256 amount) internal {
        require(to != address(0), "ERC20: mint to the zero address");
        LibStorage.Layout storage s = LibStorage.store();
        s.totalSupply += amount;
        LibStorage.Account storage account = s.accounts[to];
        account.balance = _u128(account.balance + amount);
        emit IConfideEvents.Transfer(address(0), to, amount);
    }

    function burn(address from, uint256 amount) internal {
        LibStorage.Layout storage s = LibStorage.store();
        LibStorage.Account storage account = s.accounts[from];
        require(account.balance >= amount, "ERC20: burn amount exceeds balance");
        unchecked {
            account.balance -= uint128(amount);
        }
        s.totalSupply -= amount;
        emit IConfideEvents.Transfer(from, address(0), amount);
    }

    /// ERC-20 transfer between two accounts (their frozen amounts are untouched).
    function transfer(address from, address to, uint256 amount) internal {
        require(from != address(0), "ERC20: transfer from the zero address");
        require(to != address(0), "ERC20: transfer to the zero address");
        LibStorage.Layout storage s = LibStorage.store();
        LibStorage.Account storage source = s.accounts[from];
        require(source.balance >= amount, INSUFFICIENT);
        unchecked {
            source.balance -= uint128(amount);
        }
        LibStorage.Account storage target = s.accounts[to];
        target.balance = _u128(target.balance + amount);
        emit IConfideEvents.Transfer(from, to, amount);
    }

    /// Moves `amount` of `owner`'s free balance to the protocol and records it as locked.
    function lock(address owner, uint256 amount) internal {
        LibStorage.Layout storage s = LibStorage.store();
        LibStorage.Account storage account = s.accounts[owner];
        require(account.balance >= amount, INSUFFICIENT);
        unchecked {
            account.balance -= uint128(amount);
        }
        account.frozen = _u128(account.frozen + amount);
        LibStorage.Account storage protocol = s.accounts[address(this)];
        protocol.balance = _u128(protocol.balance + amount);
        emit IConfideEvents.Transfer(owner, address(this), amount);
        emit IConfideEvents.Lock(owner, amount);
    }

    /// Returns `amount` of `owner`'s locked funds to its free balance.
    function unlock(address owner, uint256 amount) internal {
        LibStorage.Layout storage s = LibStorage.store();
        LibStorage.Account storage protocol = s.accounts[address(this)];
        require(protocol.balance >= amount, INSUFFICIENT);
        unchecked {
            protocol.balance -= uint128(amount);
        }
        LibStorage.Account storage account = s.accounts[owner];
        account.balance = _u128(account.balance + amount);
        account.frozen -= _u128(amount);
        emit IConfideEvents.Transfer(address(this), owner, amount);
        emit IConfideEvents.Unlock(owner, amount);
    }

    /// Pays `amount` from the protocol's account to `owner` (funds seized earlier).
    function reward(address owner, uint256 amount, bytes32 ref) internal {
        LibStorage.Layout storage s = LibStorage.store();
        LibStorage.Account storage protocol = s.accounts[address(this)];
        require(protocol.balance >= amount, INSUFFICIENT);
        unchecked {
            protocol.balance -= uint128(amount);
        }
        LibStorage.Account storage account = s.accounts[owner];
        account.balance = _u128(account.balance + amount);
        emit IConfideEvents.Transfer(address(this), owner, amount);
        emit IConfideEvents.Reward(owner, amount, ref);
    }

    /// `reward` then `lock` of the same amount, as PoCo tops up the kitty: the funds stay in
    /// the protocol's account, `owner`'s frozen amount grows; events `Reward` and `Lock` (the
    /// two opposite transfers are not emitted).
    function rewardLocked(address owner, uint256 amount, bytes32 ref) internal {
        LibStorage.Account storage account = LibStorage.store().accounts[owner];
        account.frozen = _u128(account.frozen + amount);
        emit IConfideEvents.Reward(owner, amount, ref);
        emit IConfideEvents.Lock(owner, amount);
    }

    /// Takes `amount` of `owner`'s locked funds: they stay in the protocol's account.
    function seize(address owner, uint256 amount, bytes32 ref) internal {
        LibStorage.Account storage account = LibStorage.store().accounts[owner];
        account.frozen -= _u128(amount);
        emit IConfideEvents.Seize(owner, amount, ref);
    }

    function _u128(uint256 value) private pure returns (uint128) {
        require(value <= type(uint128).max, "IexecEscrow: amount too large");
        return uint128(value);
    }
}
