#![no_main]
//! Fuzz target `ruby`: see `lambda_audit_fuzz::ruby`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| lambda_audit_fuzz::isolated(
    data,
    lambda_audit_fuzz::ruby
));
