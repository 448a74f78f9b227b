#![no_main]
//! Fuzz target `dotnet`: see `lambda_audit_fuzz::dotnet`.

libfuzzer_sys::fuzz_target!(
    init: lambda_audit_fuzz::single_threaded(),
    |data: &[u8]| lambda_audit_fuzz::dotnet(data)
);
