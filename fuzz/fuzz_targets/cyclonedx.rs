#![no_main]
//! Fuzz target `cyclonedx`: see `lambda_audit_fuzz::cyclonedx`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| lambda_audit_fuzz::isolated(
    data,
    lambda_audit_fuzz::cyclonedx
));
