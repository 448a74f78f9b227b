#![no_main]
//! Fuzz target `python`: see `lambda_audit_fuzz::python`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| lambda_audit_fuzz::isolated(
    data,
    lambda_audit_fuzz::python
));
