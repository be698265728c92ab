// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title The callee of `approveAndCall` (the protocol's deposit-and-match entry point).
interface IApprovalReceiver {
    function receiveApproval(address from, uint256 value, address token, bytes calldata extraData)
        external
        returns (bool);
}

/// @title An RLC-like token for development chains: "iExec RLC Token" (RLC), 9 decimals, with
/// the real RLC's `approveAndCall`.
/// @notice FOR DEVELOPMENT AND TEST CHAINS ONLY. Anyone can mint with `faucet`. A deployment on a
/// real chain uses the real RLC token's address instead of deploying this contract.
contract RLC is ERC20 {
    /// Most nRLC one `faucet` call mints (1,000,000 RLC).
    uint256 public constant FAUCET_CAP = 1_000_000 * 10 ** 9;

    /// The spender's `receiveApproval` did not return true.
    error ApprovalRejected(address spender);
    /// `faucet` was asked for more than `FAUCET_CAP`.
    error FaucetCapExceeded(uint256 requested, uint256 cap);

    /// @param initialSupply nRLC minted to the deployer.
    constructor(uint256 initialSupply) ERC20("iExec RLC Token", "RLC") {
        _mint(msg.sender, initialSupply);
    }

    /// @notice 9, as the real RLC.
    function decimals() public pure override returns (uint8) {
        return 9;
    }

    /// @notice Approves `spender` for `value` then calls `spender.receiveApproval(msg.sender,
    /// value, this token, extraData)`, which must return true (the whole call reverts otherwise).
    function approveAndCall(address spender, uint256 value, bytes calldata extraData) external returns (bool) {
        _approve(msg.sender, spender, value);
        if (!IApprovalReceiver(spender).receiveApproval(msg.sender, value, address(this), extraData)) {
            revert ApprovalRejected(spender);
        }
        return true;
    }

    /// @notice Development faucet: mints `amount` nRLC (at most `FAUCET_CAP` per call) to the caller.
    function faucet(uint256 amount) external {
        if (amount > FAUCET_CAP) revert FaucetCapExceeded(amount, FAUCET_CAP);
        _mint(msg.sender, amount);
    }
}
