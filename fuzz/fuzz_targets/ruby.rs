#![no_main]
//! Fuzz target `ruby`: see `lambda_audit_fuzz::ruby`.

libfuzzer_sys::fuzz_target!(
    init: lambda_audit_fuzz::single_threaded(),
    |data: &[u8]| lambda_audit_fuzz::ruby(data)
);
