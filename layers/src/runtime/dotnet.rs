//! The .NET runtime a function asks for: the major version its
//! `<app>.runtimeconfig.json` names (`Microsoft.NETCore.App` 8.0.x, or the
//! target framework `net8.0`), read by the analyzer's own parser. Lambda
//! loads the function's code from the top of `/var/task`, so only
//! configurations there count.

use analyzer::archive::ArchiveTree;
use analyzer::extract::dotnet::runtimeconfig;

/// The .NET major version of the function in `tree`: the one all its
/// top-level runtime configurations agree on; `0` (unknown) when there is
/// none, they disagree, or they cannot be read.
pub(super) fn major(tree: &ArchiveTree) -> u32 {
    let mut majors: Vec<u32> = tree
        .files
        .iter()
        .filter(|f| !f.path.contains('/') && f.path.ends_with(runtimeconfig::SUFFIX))
        .filter_map(|f| {
            let bytes = tree.read(f).ok()?;
            let text = std::str::from_utf8(&bytes).ok()?;
            runtimeconfig::parse_config(text).ok()?.dotnet_major()
        })
        .collect();
    majors.sort_unstable();
    majors.dedup();
    match majors[..] {
        [major] => major,
        _ => 0,
    }
}
