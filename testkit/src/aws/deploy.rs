//! Test-specific deployments in moto, beside the seeded [`super::World`]:
//! layers and functions built by a test (with the architectures it needs),
//! created by `moto_deploy.py` and served by a loopback mirror.

use super::{Moto, Scripted};
use crate::paths::workspace_root;
use crate::zip::zip_of;
use sha2::{Digest, Sha256};
use std::io::Write;
use std::process::{Command, Stdio};

/// A layer version to publish.
pub struct LayerSpec<'a> {
    pub name: &'a str,
    pub zip: Vec<u8>,
    /// Its `CompatibleArchitectures` (`x86_64`, `arm64`).
    pub architectures: &'a [&'a str],
}

/// A function to create, with the layers of the same deployment it names.
pub struct FunctionSpec<'a> {
    pub name: &'a str,
    pub zip: Vec<u8>,
    pub runtime: &'a str,
    pub handler: &'a str,
    /// Its `Architectures` (one of `x86_64`, `arm64`).
    pub architectures: &'a [&'a str],
    pub layers: &'a [&'a str],
}

/// moto holding a test's layers and functions, and the mirror serving their code.
pub struct Deployed {
    pub moto: Moto,
    pub mirror: Scripted,
    /// What `moto_deploy.py` printed: `layers` and `functions` by name, each
    /// with its `arn` and `sha256`.
    pub arns: serde_json::Value,
}

impl Deployed {
    /// Starts moto and deploys `layers` then `functions`; `None` after a skip
    /// when moto is missing (see [`Moto::start`]).
    pub fn start(layers: &[LayerSpec], functions: &[FunctionSpec]) -> Option<Deployed> {
        let moto = Moto::start()?;
        let mirror = Scripted::start();
        let mut code = Vec::new();
        let spec = serde_json::json!({
            "layers": layers.iter().map(|l| {
                code.push(l.zip.clone());
                serde_json::json!({
                    "name": l.name, "zip": hex::encode(&l.zip), "architectures": l.architectures,
                })
            }).collect::<Vec<_>>(),
            "functions": functions.iter().map(|f| {
                code.push(f.zip.clone());
                serde_json::json!({
                    "name": f.name, "zip": hex::encode(&f.zip), "runtime": f.runtime,
                    "handler": f.handler, "architectures": f.architectures, "layers": f.layers,
                })
            }).collect::<Vec<_>>(),
        });
        for bytes in code {
            mirror.serve_code(&hex::encode(Sha256::digest(&bytes)), bytes);
        }
        let arns = run_deploy(&moto.endpoint, &spec);
        Some(Deployed { moto, mirror, arns })
    }

    /// The version ARN of a deployed layer.
    pub fn layer_arn(&self, name: &str) -> String {
        self.arns["layers"][name]["arn"]
            .as_str()
            .unwrap_or_else(|| panic!("moto_deploy.py published no layer {name}"))
            .to_string()
    }
}

/// Runs `moto_deploy.py` (beside this file) with `spec` on its standard input.
fn run_deploy(endpoint: &str, spec: &serde_json::Value) -> serde_json::Value {
    let script = workspace_root().join("testkit/src/aws/moto_deploy.py");
    let mut child = Command::new(super::moto::python())
        .arg(script)
        .arg(endpoint)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run moto_deploy.py");
    let mut stdin = child.stdin.take().expect("moto_deploy.py's stdin");
    stdin
        .write_all(spec.to_string().as_bytes())
        .expect("write the deployment spec");
    drop(stdin);
    let out = child.wait_with_output().expect("wait for moto_deploy.py");
    assert!(
        out.status.success(),
        "moto_deploy.py failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("moto_deploy.py prints JSON")
}

/// The npm version of sharp's platform packages in [`platform_layer_zip`].
pub const SHARP_VERSION: &str = "0.33.5";

/// A Node.js layer whose lockfile (no `node_modules`) lists sharp's
/// platform packages for Linux on x64 and on arm64, and for macOS on arm64,
/// as npm writes them (`os` / `cpu` / `libc`).
pub fn platform_layer_zip() -> Vec<u8> {
    let entry = |os: &str, cpu: &str, libc: Option<&str>| {
        let mut e = serde_json::json!({
            "version": SHARP_VERSION, "optional": true, "os": [os], "cpu": [cpu],
        });
        if let Some(libc) = libc {
            e["libc"] = serde_json::json!([libc]);
        }
        e
    };
    let lock = serde_json::json!({
        "name": "sharp-layer", "version": "1.0.0", "lockfileVersion": 3, "requires": true,
        "packages": {
            "": {"name": "sharp-layer", "version": "1.0.0", "dependencies": {"sharp": SHARP_VERSION}},
            "node_modules/sharp": {"version": SHARP_VERSION},
            "node_modules/@img/sharp-linux-x64": entry("linux", "x64", Some("glibc")),
            "node_modules/@img/sharp-linux-arm64": entry("linux", "arm64", Some("glibc")),
            "node_modules/@img/sharp-darwin-arm64": entry("darwin", "arm64", None),
        }
    });
    zip_of(&[("nodejs/package-lock.json", lock.to_string().as_bytes())])
}

/// A Node.js function's code with no dependency evidence: a handler alone.
pub fn bare_function_zip() -> Vec<u8> {
    zip_of(&[(
        "index.js",
        b"exports.handler = async () => ({ statusCode: 200 });\n",
    )])
}
