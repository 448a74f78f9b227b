#![no_main]
//! Fuzz target `archive`: see `lambda_audit_fuzz::archive`.

libfuzzer_sys::fuzz_target!(
    init: lambda_audit_fuzz::single_threaded(),
    |data: &[u8]| lambda_audit_fuzz::archive(data)
);
