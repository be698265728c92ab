// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

/// @title TEST ONLY: an ERC-734 key manager as restriction groups use it.
/// @notice `keyHasPurpose(key, purpose)` answers from a set of (key, purpose) pairs that the
/// deployer manages; in reverting mode it reverts instead. A group member's key is
/// `bytes32(uint256(uint160(account)))` with purpose 4 (PoCo's GROUPMEMBER_PURPOSE).
contract TestERC734Group {
    uint256 public constant GROUPMEMBER_PURPOSE = 4;

    /// @notice Who manages the keys (the deployer).
    address public immutable owner;
    /// @notice When true, `keyHasPurpose` reverts.
    bool public reverting;
    mapping(bytes32 key => mapping(uint256 purpose => bool)) private _hasPurpose;

    event KeyAdded(bytes32 indexed key, uint256 indexed purpose, uint256 indexed keyType);
    event KeyRemoved(bytes32 indexed key, uint256 indexed purpose);

    error NotOwner(address caller);
    error GroupReverts();

    constructor() {
        owner = msg.sender;
    }

    modifier onlyOwner() {
        if (msg.sender != owner) revert NotOwner(msg.sender);
        _;
    }

    /// @notice ERC-734: whether `key` has `purpose`.
    function keyHasPurpose(bytes32 key, uint256 purpose) external view returns (bool) {
        if (reverting) revert GroupReverts();
        return _hasPurpose[key][purpose];
    }

    /// @notice Gives `key` the `purpose` (ERC-734 `addKey`); owner only.
    function addKey(bytes32 key, uint256 purpose, uint256 keyType) external onlyOwner returns (bool) {
        _hasPurpose[key][purpose] = true;
        emit KeyAdded(key, purpose, keyType);
        return true;
    }

    /// @notice Takes the `purpose` away from `key` (ERC-734 `removeKey`); owner only.
    function removeKey(bytes32 key, uint256 purpose) external onlyOwner returns (bool) {
        _hasPurpose[key][purpose] = false;
        emit KeyRemoved(key, purpose);
        return true;
    }

    /// @notice Makes `account` a group member (its key gets GROUPMEMBER_PURPOSE); owner only.
    function addMember(address account) external onlyOwner {
        bytes32 key = bytes32(uint256(uint160(account)));
        _hasPurpose[key][GROUPMEMBER_PURPOSE] = true;
        emit KeyAdded(key, GROUPMEMBER_PURPOSE, 1);
    }

    /// @notice Turns the reverting mode on or off; owner only.
    function setReverting(bool on) external onlyOwner {
        reverting = on;
    }
}
