#![no_main]
//! Fuzz target `cargo`: see `lambda_audit_fuzz::cargo`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| lambda_audit_fuzz::isolated(
    data,
    lambda_audit_fuzz::cargo
));
