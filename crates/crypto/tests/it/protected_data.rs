// Tests for the `protected_data` module.
