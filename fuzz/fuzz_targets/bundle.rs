#![no_main]
//! Fuzz target `bundle`: see `lambda_audit_fuzz::bundle`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| lambda_audit_fuzz::isolated(
    data,
    lambda_audit_fuzz::bundle
));
