#![no_main]
//! Fuzz target `version`: see `lambda_audit_fuzz::version_order`.

libfuzzer_sys::fuzz_target!(
    init: lambda_audit_fuzz::single_threaded(),
    |data: &[u8]| lambda_audit_fuzz::version_order(data)
);
