//! TODO(session): placeholder
