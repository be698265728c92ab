// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {LibStorage} from "./libs/LibStorage.sol";
import {IConfideEvents} from "./interfaces/IConfideEvents.sol";

/// @title The protocol address: routes each function to the module implementing it.
/// @notice The route table is written once, at construction, and never changes: no upgrade key
/// exists. Modules run by DELEGATECALL against `LibStorage`. Deployers pass each module with the
/// selectors it serves (taken from its ABI); a selector served twice is refused.
contract Confide {
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
        emit IConfideEvents.OwnershipTransferred(address(0), owner);
    }

    /// The module serving `selector` (zero if none).
    function moduleOf(bytes4 selector) external view returns (address) {
        return _routes().moduleOf[selector];
    }

    fallback() external {
        address module = _routes().moduleOf[msg.sig];
        if (module == address(0)) revert FunctionNotFound(msg.sig);
        // Not memory-safe (overwrites memory from 0), which is fine: the call ends here.
        assembly {
            calldatacopy(0, 0, calldatasize())
            let ok := delegatecall(gas(), module, 0, calldatasize(), 0, 0)
            returndatacopy(0, 0, returndatasize())
            switch ok
            case 0 { revert(0, returndatasize()) }
            default { return(0, returndatasize()) }
        }
    }

    function _routes() private pure returns (Routes storage routes) {
        bytes32 slot = ROUTES_SLOT;
        assembly {
            routes.slot := slot
        }
    }
}
