// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Types} from "../interfaces/Types.sol";
import {IConfide} from "../interfaces/IConfide.sol";
import {LibStorage} from "../libs/LibStorage.sol";
import {LibEscrow} from "../libs/LibEscrow.sol";
import {MatchCore} from "./MatchCore.sol";

/// @title The receiver side of `approveAndCall` (the RLC token's and SRLC's).
interface IApprovalReceiver {
    function receiveApproval(address sender, uint256 value, address token, bytes calldata extraData)
        external
        returns (bool);
}

/// @title SRLC, the internal ERC-20 of deposited RLC, and the escrow over the RLC token
/// (poco.md §4.1-4.2, §2.6).
/// @notice One SRLC unit is one nRLC deposited. Locked funds are not SRLC balance: see
/// `frozenOf`. `receiveApproval` deposits and optionally matches orders in the same call (RLC's
/// `approveAndCall`); the match runs through the same internal code as `matchOrders`.
contract EscrowModule is MatchCore {
    using SafeERC20 for IERC20;

    // --- SRLC ---

    /// @notice The SRLC name (set by `configure`).
    function name() external view returns (string memory) {
        return LibStorage.store().name;
    }

    /// @notice The SRLC symbol (set by `configure`).
    function symbol() external view returns (string memory) {
        return LibStorage.store().symbol;
    }

    /// @notice The SRLC decimals (set by `configure`; the RLC token's).
    function decimals() external view returns (uint8) {
        return LibStorage.store().decimals;
    }

    /// @notice All SRLC, free and locked (locked funds are the protocol's own balance).
    function totalSupply() external view returns (uint256) {
        return LibStorage.store().totalSupply;
    }

    /// @notice The free SRLC of `account`.
    function balanceOf(address account) external view returns (uint256) {
        return LibStorage.store().accounts[account].balance;
    }

    /// @notice The locked SRLC of `account` (deal prices, stakes; the kitty for KITTY_ADDRESS).
    function frozenOf(address account) external view returns (uint256) {
        return LibStorage.store().accounts[account].frozen;
    }

    /// @notice What `spender` may still transfer from `account`.
    function allowance(address account, address spender) external view returns (uint256) {
        return LibStorage.store().allowances[account][spender];
    }

    /// @notice Transfers `value` of the caller's free SRLC to `to`.
    function transfer(address to, uint256 value) external returns (bool) {
        LibEscrow.transfer(msg.sender, to, value);
        return true;
    }

    /// @notice Lets `spender` transfer up to `value` of the caller's SRLC.
    function approve(address spender, uint256 value) external returns (bool) {
        _approve(msg.sender, spender, value);
        return true;
    }

    /// @notice Transfers `value` of `from`'s SRLC to `to` within the caller's allowance, which
    /// decreases by `value` (emits `Transfer` then `Approval`).
    function transferFrom(address from, address to, uint256 value) external returns (bool) {
        uint256 allowed = LibStorage.store().allowances[from][msg.sender];
        require(allowed >= value, "ERC20: transfer amount exceeds allowance");
        LibEscrow.transfer(from, to, value);
        unchecked {
            _approve(from, msg.sender, allowed - value);
        }
        return true;
    }

    /// @notice Raises `spender`'s allowance on the caller's SRLC by `addedValue`.
    function increaseAllowance(address spender, uint256 addedValue) external returns (bool) {
        _approve(msg.sender, spender, LibStorage.store().allowances[msg.sender][spender] + addedValue);
        return true;
    }

    /// @notice Lowers `spender`'s allowance on the caller's SRLC by `subtractedValue`.
    function decreaseAllowance(address spender, uint256 subtractedValue) external returns (bool) {
        uint256 allowed = LibStorage.store().allowances[msg.sender][spender];
        require(allowed >= subtractedValue, "ERC20: decreased allowance below zero");
        unchecked {
            _approve(msg.sender, spender, allowed - subtractedValue);
        }
        return true;
    }

    /// @notice Approves `spender` for `value`, then calls
    /// `spender.receiveApproval(caller, value, this, extraData)`, which must return true.
    function approveAndCall(address spender, uint256 value, bytes calldata extraData) external returns (bool) {
        _approve(msg.sender, spender, value);
        require(
            IApprovalReceiver(spender).receiveApproval(msg.sender, value, address(this), extraData), "approval-refused"
        );
        return true;
    }

    // --- Escrow over the RLC token ---

    /// @notice The RLC token escrowed (set by `configure`).
    function token() external view returns (address) {
        return LibStorage.store().token;
    }

    /// @notice Deposits `amount` nRLC of the caller (prior RLC `approve` needed) as SRLC.
    function deposit(uint256 amount) external returns (bool) {
        _pull(msg.sender, amount);
        LibEscrow.mint(msg.sender, amount);
        return true;
    }

    /// @notice Deposits `amount` nRLC of the caller as SRLC of `target`.
    function depositFor(uint256 amount, address target) external returns (bool) {
        _pull(msg.sender, amount);
        LibEscrow.mint(target, amount);
        return true;
    }

    /// @notice Deposits `amounts[i]` nRLC of the caller as SRLC of `targets[i]`, for each i.
    /// The RLC moves in one transfer of the total.
    function depositForArray(uint256[] calldata amounts, address[] calldata targets) external returns (bool) {
        require(amounts.length == targets.length, "invalid-array-length");
        uint256 total;
        for (uint256 i = 0; i < amounts.length; ++i) {
            total += amounts[i];
        }
        _pull(msg.sender, total);
        for (uint256 i = 0; i < amounts.length; ++i) {
            LibEscrow.mint(targets[i], amounts[i]);
        }
        return true;
    }

    /// @notice Burns `amount` of the caller's free SRLC and sends as much RLC back.
    function withdraw(uint256 amount) external returns (bool) {
        LibEscrow.burn(msg.sender, amount);
        IERC20(LibStorage.store().token).safeTransfer(msg.sender, amount);
        return true;
    }

    /// @notice Burns `amount` of the caller's free SRLC and sends as much RLC to `target`.
    function withdrawTo(uint256 amount, address target) external returns (bool) {
        LibEscrow.burn(msg.sender, amount);
        IERC20(LibStorage.store().token).safeTransfer(target, amount);
        return true;
    }

    /// @notice Mints to the owner the RLC held beyond the SRLC supply (tokens sent to the
    /// protocol without a deposit). Owner only.
    /// @return delta the amount minted.
    function recover() external onlyOwner returns (uint256 delta) {
        LibStorage.Layout storage s = LibStorage.store();
        delta = IERC20(s.token).balanceOf(address(this)) - s.totalSupply;
        LibEscrow.mint(s.owner, delta);
    }

    /// @notice RLC's `approveAndCall` hook: deposits `amount` nRLC of `sender` as its SRLC and,
    /// when `data` is not empty, runs the `matchOrders` call it encodes, whose request order
    /// must be `sender`'s (the deal is paid from the deposit; no sponsoring). Only the RLC token
    /// may call it.
    function receiveApproval(address sender, uint256 amount, address token_, bytes calldata data)
        external
        returns (bool)
    {
        address rlc = LibStorage.store().token;
        require(token_ == rlc && msg.sender == rlc, "wrong-token");
        _pull(sender, amount);
        LibEscrow.mint(sender, amount);
        if (data.length != 0) {
            bytes4 selector = bytes4(data);
            if (selector != IConfide.matchOrders.selector) revert IConfide.UnsupportedOperation(selector);
            (
                Types.AppOrder calldata appOrder,
                Types.DatasetOrder calldata datasetOrder,
                Types.WorkerpoolOrder calldata workerpoolOrder,
                Types.RequestOrder calldata requestOrder
            ) = _decodeMatchOrders(data);
            address requester = requestOrder.requester;
            if (requester != sender) revert IConfide.CallerIsNotTheRequester();
            _matchOrders(appOrder, datasetOrder, workerpoolOrder, requestOrder, requester);
        }
        return true;
    }

    /// @notice Free (`stake`) and locked SRLC of `account`.
    function viewAccount(address account) external view returns (Types.Account memory) {
        LibStorage.Account storage a = LibStorage.store().accounts[account];
        return Types.Account({stake: a.balance, locked: a.frozen});
    }

    // --- Internals ---

    function _approve(address owner, address spender, uint256 value) private {
        require(spender != address(0), "ERC20: approve to the zero address");
        LibStorage.store().allowances[owner][spender] = value;
        emit Approval(owner, spender, value);
    }

    /// Moves `amount` RLC from `from` to the protocol (needs `from`'s RLC allowance).
    function _pull(address from, uint256 amount) private {
        IERC20(LibStorage.store().token).safeTransferFrom(from, address(this), amount);
    }

    /// Points calldata structs at the four orders of `data` = matchOrders selector ‖
    /// abi.encode(app, dataset, workerpool, request), after checking that every part of them
    /// (heads, and the `sign`/`params` byte strings) lies inside `data`: Solidity's own accessors
    /// only bound reads by the whole calldata. Malformed data reverts `OperationFailed()`.
    function _decodeMatchOrders(bytes calldata data)
        private
        pure
        returns (
            Types.AppOrder calldata appOrder,
            Types.DatasetOrder calldata datasetOrder,
            Types.WorkerpoolOrder calldata workerpoolOrder,
            Types.RequestOrder calldata requestOrder
        )
    {
        if (data.length < 4 + 4 * 32) revert IConfide.OperationFailed();
        uint256 start;
        uint256 end;
        assembly ("memory-safe") {
            start := add(data.offset, 4)
            end := add(data.offset, data.length)
        }
        // Head words: AppOrder 9, DatasetOrder 9, WorkerpoolOrder 11, RequestOrder 16; the
        // dynamic members are sign (word 8, 8, 10, 15) and params (word 13).
        uint256 app = _tuple(start, end, 0, 9);
        _bytes(app, end, 8);
        uint256 dataset = _tuple(start, end, 1, 9);
        _bytes(dataset, end, 8);
        uint256 pool = _tuple(start, end, 2, 11);
        _bytes(pool, end, 10);
        uint256 request = _tuple(start, end, 3, 16);
        _bytes(request, end, 13);
        _bytes(request, end, 15);
        assembly ("memory-safe") {
            appOrder := app
            datasetOrder := dataset
            workerpoolOrder := pool
            requestOrder := request
        }
    }

    /// Calldata position of the `index`-th tuple whose offset is in the head at `start`, checking
    /// that its `headWords` words end before `end`.
    function _tuple(uint256 start, uint256 end, uint256 index, uint256 headWords) private pure returns (uint256) {
        uint256 offset;
        assembly ("memory-safe") {
            offset := calldataload(add(start, mul(index, 0x20)))
        }
        uint256 room = end - start;
        if (offset > room || headWords * 32 > room - offset) revert IConfide.OperationFailed();
        return start + offset;
    }

    /// Checks that the byte string whose offset is the `word`-th word of the tuple at `tuple`
    /// lies before `end`.
    function _bytes(uint256 tuple, uint256 end, uint256 word) private pure {
        uint256 offset;
        assembly ("memory-safe") {
            offset := calldataload(add(tuple, mul(word, 0x20)))
        }
        uint256 room = end - tuple;
        if (offset > room || 32 > room - offset) revert IConfide.OperationFailed();
        uint256 length;
        assembly ("memory-safe") {
            length := calldataload(add(tuple, offset))
        }
        if (length > room - offset - 32) revert IConfide.OperationFailed();
    }
}
