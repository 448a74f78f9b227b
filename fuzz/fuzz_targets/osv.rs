#![no_main]
//! Fuzz target `osv`: see `lambda_audit_fuzz::osv`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| lambda_audit_fuzz::isolated(
    data,
    lambda_audit_fuzz::osv
));
