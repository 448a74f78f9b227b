//! Where the Ruby runtime finds gems. Lambda's `GEM_PATH` for `ruby3.N` is
//! `/var/task/vendor/bundle/ruby/3.N.0` (the function's Bundler install), then
//! `/opt/ruby/gems/3.N.0` (layers), then the runtime's own gems; a gem home
//! for another ABI (`3.1.0` under `ruby3.3`) is not searched.
//!
//! RubyGems activates the highest installed version of a gem across
//! `GEM_PATH` (Bundler: the locked one), and for one version the copy in the
//! earliest `GEM_PATH` entry. So only a copy of the *same version* earlier on
//! the path shadows another: copies of different versions all stay marked
//! loaded, since which one a `require` activates depends on the code and on
//! Bundler, not on the layout.

use super::{Placement, Runtime, RuntimeView};
use analyzer::{Ecosystem, Found};

/// The gem home's Ruby minor version for a path under a known gem home:
/// `vendor/bundle/ruby/3.2.0/...` or `ruby/gems/3.3.0/...`.
pub(super) fn abi_minor(path: &str) -> Option<u32> {
    let (_, rest) = gem_home(path)?;
    let abi = rest.split('/').next()?;
    abi.strip_prefix("3.")?.strip_suffix(".0")?.parse().ok()
}

/// Splits `path` after its gem-home prefix: (rank on `GEM_PATH`, `<abi>/...`).
fn gem_home(path: &str) -> Option<(u8, &str)> {
    if let Some(rest) = path.strip_prefix("vendor/bundle/ruby/") {
        Some((0, rest))
    } else {
        path.strip_prefix("ruby/gems/").map(|rest| (1, rest))
    }
}

/// Where an installed gem (`install` = `<gem home>/gems/<name>-<version>`) sits
/// on the runtime's `GEM_PATH`.
pub(super) fn place(
    view: RuntimeView,
    in_function: bool,
    install: &str,
    found: &Found,
) -> Placement {
    let Some((rank, rest)) = gem_home(install) else {
        return Placement::Unknown;
    };
    // The function's gem home is under /var/task, a layer's under /opt.
    if (rank == 0) != in_function {
        return Placement::Unknown;
    }
    let mount = if in_function {
        "/var/task/vendor/bundle/ruby"
    } else {
        "/opt/ruby/gems"
    };
    if view.explicit && !matches!(view.runtime, Runtime::Ruby { .. }) {
        return Placement::Never(format!("{} does not load gems from {mount}", view.runtime));
    }
    let abi = rest.split('/').next().unwrap_or_default();
    if let (true, Runtime::Ruby { minor }) = (view.explicit, view.runtime) {
        if abi != format!("3.{minor}.0") {
            return Placement::Never(format!(
                "in {mount}/{abi}, which {} does not search (its GEM_PATH has {mount}/3.{minor}.0)",
                view.runtime
            ));
        }
    }
    // Gem homes of different ABIs are never on one GEM_PATH together.
    let version = analyzer::version::equivalence_key(Ecosystem::RubyGems, &found.version);
    Placement::Ranked {
        rank,
        key: format!("{abi}/{}@{version}", found.name),
    }
}
