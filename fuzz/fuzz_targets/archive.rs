#![no_main]
//! Fuzz target `archive`: see `lambda_audit_fuzz::archive`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| lambda_audit_fuzz::isolated(
    data,
    lambda_audit_fuzz::archive
));
