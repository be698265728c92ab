// Tests for the `result` module.
