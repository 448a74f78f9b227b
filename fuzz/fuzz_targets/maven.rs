#![no_main]
//! Fuzz target `maven`: see `lambda_audit_fuzz::maven`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| lambda_audit_fuzz::isolated(
    data,
    lambda_audit_fuzz::maven
));
