// Tests for the `seal` module.
