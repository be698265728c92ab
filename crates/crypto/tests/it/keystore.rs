// Tests for the `keystore` module.
