#![no_main]
//! Fuzz target `npm`: see `lambda_audit_fuzz::npm`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| lambda_audit_fuzz::isolated(
    data,
    lambda_audit_fuzz::npm
));
