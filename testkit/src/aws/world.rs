//! The AWS test world: moto seeded by `moto_seed.py` with the test functions
//! and layers, and a loopback content-addressed mirror serving their code
//! (moto has no code URL to download from).

use super::{Moto, Scripted};
use crate::paths::corpus_bytes;
use sha2::{Digest, Sha256};

/// The corpus fixtures `moto_seed.py` deploys as function and layer code.
pub const SEEDED_CODE: [&str; 4] = [
    "node-basic.zip",
    "node-layer.zip",
    "python-function.zip",
    "python-layer.zip",
];

/// moto with the test world in it, and the mirror serving its code.
pub struct World {
    /// The emulator.
    pub moto: Moto,
    /// Serves every [`SEEDED_CODE`] file at `/{sha256 hex}`.
    pub mirror: Scripted,
    /// What `moto_seed.py` printed: `layers` and `functions` by name, each
    /// with its `arn` and `sha256`.
    pub seeded: serde_json::Value,
}

impl World {
    /// Starts moto, seeds it and serves the code; `None` after a skip when
    /// moto is missing (see [`Moto::start`]).
    pub fn start() -> Option<World> {
        let moto = Moto::start()?;
        let seeded = moto.seed();
        let mirror = Scripted::start();
        for name in SEEDED_CODE {
            let bytes = corpus_bytes(name);
            mirror.serve_code(&hex::encode(Sha256::digest(&bytes)), bytes);
        }
        Some(World {
            moto,
            mirror,
            seeded,
        })
    }

    /// The version ARN of a seeded layer (`node-deps`, `py-deps`).
    pub fn layer_arn(&self, name: &str) -> String {
        self.seeded["layers"][name]["arn"]
            .as_str()
            .unwrap_or_else(|| panic!("moto_seed.py created no layer {name}"))
            .to_string()
    }
}
