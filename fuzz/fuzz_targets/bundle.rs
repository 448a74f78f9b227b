#![no_main]
//! Fuzz target `bundle`: see `lambda_audit_fuzz::bundle`.

libfuzzer_sys::fuzz_target!(
    init: lambda_audit_fuzz::single_threaded(),
    |data: &[u8]| lambda_audit_fuzz::bundle(data)
);
