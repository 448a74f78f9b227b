#![no_main]
//! Fuzz target `version`: see `lambda_audit_fuzz::version_order`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| lambda_audit_fuzz::isolated(
    data,
    lambda_audit_fuzz::version_order
));
