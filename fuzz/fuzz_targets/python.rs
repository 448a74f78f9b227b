#![no_main]
//! Fuzz target `python`: see `lambda_audit_fuzz::python`.

libfuzzer_sys::fuzz_target!(
    init: lambda_audit_fuzz::single_threaded(),
    |data: &[u8]| lambda_audit_fuzz::python(data)
);
