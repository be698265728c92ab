// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {LibStorage} from "./libs/LibStorage.sol";
import {MatchModule} from "./modules/MatchModule.sol";
import {TaskModule} from "./modules/TaskModule.sol";

/// @title The protocol address: serves matching and the task lifecycle itself, and routes every
/// other function to the module implementing it.
/// @notice `MatchModule` and `TaskModule` (the functions of every task: `matchOrders`,
/// `initialize`, `contributeAndFinalize`...) are compiled into this contract, so their calls
/// pay no route lookup (a cold SLOAD) and no DELEGATECALL to a cold module address: 4,700 gas
/// less per call. The other functions are routed by a table written once, at construction,
/// that never changes: no upgrade key exists. Routed modules run by DELEGATECALL against
/// `LibStorage`. Deployers pass each module with the selectors it serves (taken from its ABI);
/// a selector routed twice is refused, and deployers must not route a selector this contract
/// serves itself (it would never be reached).
contract Confide is MatchModule, TaskModule {
    /// keccak256(abi.encode(uint256(keccak256("confide.storage.router")) - 1)) & ~0xff
    bytes32 private constant ROUTES_SLOT = 0xf5bf968e1e66675432db77299b15405ab846a7b066823135b618633cfe7b2600;

    error FunctionNotFound(bytes4 selector);
    error DuplicateSelector(bytes4 selector);
    error LengthMismatch();

    struct Routes {
        mapping(bytes4 => address) moduleOf;
    }

    constructor(address owner, address[] memory modules, bytes4[][] memory selectors) {
        if (modules.length != selectors.length) revert LengthMismatch();
        Routes storage routes = _routes();
        for (uint256 m = 0; m < modules.length; m++) {
            for (uint256 i = 0; i < selectors[m].length; i++) {
                bytes4 selector = selectors[m][i];
                if (routes.moduleOf[selector] != address(0)) revert DuplicateSelector(selector);
                routes.moduleOf[selector] = modules[m];
            }
        }
        LibStorage.store().owner = owner;
        emit OwnershipTransferred(address(0), owner);
    }

    /// @notice The module a routed `selector` is sent to (zero if none, and for the functions
    /// this contract serves itself).
    function moduleOf(bytes4 selector) external view returns (address) {
        return _routes().moduleOf[selector];
    }

    fallback() external {
        address module = _routes().moduleOf[msg.sig];
        if (module == address(0)) revert FunctionNotFound(msg.sig);
        assembly ("memory-safe") {
            let p := mload(0x40)
            calldatacopy(p, 0, calldatasize())
            let ok := delegatecall(gas(), module, p, calldatasize(), 0, 0)
            returndatacopy(p, 0, returndatasize())
            switch ok
            case 0 { revert(p, returndatasize()) }
            default { return(p, returndatasize()) }
        }
    }

    function _routes() private pure returns (Routes storage routes) {
        bytes32 slot = ROUTES_SLOT;
        assembly {
            routes.slot := slot
        }
    }
}
