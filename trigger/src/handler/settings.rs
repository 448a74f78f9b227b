//! The handler's configuration, read from `LAMBDA_AUDIT_*` environment variables.

use super::signals::SignalSources;
use crate::database::DatabaseSource;
use crate::findings_store;
use crate::sinks::SinkConfig;
use crate::store::StoreConfig;
use analyzer::Limits;
use layers::aws::config::AwsOptions;
use layers::aws::CodeUrlRewrite;
use std::path::PathBuf;

/// Everything the handler reads from its environment.
#[derive(Clone, Debug)]
pub struct HandlerConfig {
    /// `LAMBDA_AUDIT_ENDPOINT_URL`: one endpoint for every AWS service
    /// (emulators), the DynamoDB findings store's included.
    pub aws: AwsOptions,
    pub sinks: SinkConfig,
    /// The S3 report store, when `LAMBDA_AUDIT_REPORT_BUCKET` is set.
    pub store: Option<StoreConfig>,
    /// `LAMBDA_AUDIT_FINDINGS_STORE`: the findings store's location (see
    /// [`crate::findings_store`]); default SQLite in the work folder.
    pub findings_store: String,
    /// `LAMBDA_AUDIT_CONFIG`: a `lambda-audit.toml` whose suppression rules
    /// apply to every scan and rescan.
    pub suppressions: Option<PathBuf>,
    pub database: DatabaseSource,
    /// `LAMBDA_AUDIT_KEV` and `LAMBDA_AUDIT_EPSS`: the prioritisation
    /// signals joined into every scan (see [`super::signals`]).
    pub signals: SignalSources,
    /// `LAMBDA_AUDIT_CODE_MIRROR`: fetch code from a content-addressed mirror
    /// (`{base}/{sha256 hex}`) instead of Lambda's presigned URL.
    pub code_rewrite: CodeUrlRewrite,
    /// `LAMBDA_AUDIT_MAX_DOWNLOAD_BYTES`: the download cap.
    pub max_download_bytes: u64,
    /// `LAMBDA_AUDIT_WORK_DIR` (default `/tmp/lambda-audit`): where an S3 database is written.
    pub work_dir: PathBuf,
    /// `LAMBDA_AUDIT_FANOUT_QUEUE`: the SQS queue URL a rescan or an account
    /// scan is spread over (see [`crate::fanout`]; consumed by this same
    /// function); without it they run in the invocation that asks for them.
    pub fanout_queue: Option<String>,
}

impl HandlerConfig {
    /// Reads the configuration through `var` (`std::env::var` in the handler).
    pub fn from_env(var: &dyn Fn(&str) -> Option<String>) -> Result<HandlerConfig, String> {
        let set = |name: &str| var(name).filter(|v| !v.trim().is_empty());
        let max_download_bytes = match set("LAMBDA_AUDIT_MAX_DOWNLOAD_BYTES") {
            Some(v) => v.trim().parse().map_err(|_| {
                format!("LAMBDA_AUDIT_MAX_DOWNLOAD_BYTES `{v}` is not a byte count")
            })?,
            None => Limits::default().max_artifact_bytes,
        };
        let work_dir = PathBuf::from(
            set("LAMBDA_AUDIT_WORK_DIR").unwrap_or_else(|| "/tmp/lambda-audit".into()),
        );
        Ok(HandlerConfig {
            aws: AwsOptions {
                region: None,
                endpoint_url: set("LAMBDA_AUDIT_ENDPOINT_URL"),
            },
            sinks: SinkConfig::from_env(var),
            store: StoreConfig::from_env(var),
            findings_store: findings_store::location(var, &work_dir),
            suppressions: set("LAMBDA_AUDIT_CONFIG").map(PathBuf::from),
            database: DatabaseSource::from_env(var)?,
            signals: SignalSources::from_env(var),
            code_rewrite: match set("LAMBDA_AUDIT_CODE_MIRROR") {
                Some(base) => CodeUrlRewrite::Mirror { base },
                None => CodeUrlRewrite::None,
            },
            max_download_bytes,
            work_dir,
            fanout_queue: set("LAMBDA_AUDIT_FANOUT_QUEUE").map(|q| q.trim().to_string()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn the_configuration_comes_from_lambda_audit_variables() {
        let vars = [
            ("LAMBDA_AUDIT_EVENT_BUS", "audit"),
            ("LAMBDA_AUDIT_SECURITY_HUB", "TRUE"),
            ("LAMBDA_AUDIT_REPORT_BUCKET", "reports"),
            ("LAMBDA_AUDIT_REPORT_PREFIX", "scans"),
            ("LAMBDA_AUDIT_DB_S3", "s3://advisories/osv/all.zip"),
            ("LAMBDA_AUDIT_MAX_DOWNLOAD_BYTES", "1048576"),
            ("LAMBDA_AUDIT_ENDPOINT_URL", ""),
            ("LAMBDA_AUDIT_FINDINGS_STORE", "/mnt/efs/findings.sqlite"),
            ("LAMBDA_AUDIT_CONFIG", "/opt/lambda-audit.toml"),
        ];
        let var = |k: &str| {
            vars.iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        };
        let c = HandlerConfig::from_env(&var).unwrap();
        assert_eq!(
            c.sinks,
            SinkConfig {
                event_bus: Some("audit".into()),
                security_hub: true,
            }
        );
        assert_eq!(
            c.store,
            Some(StoreConfig {
                bucket: "reports".into(),
                prefix: "scans/".into(),
            })
        );
        assert_eq!(
            c.database,
            DatabaseSource::S3 {
                bucket: "advisories".into(),
                key: "osv/all.zip".into()
            }
        );
        assert_eq!(c.max_download_bytes, 1 << 20);
        assert_eq!(c.aws.endpoint_url, None);
        assert_eq!(c.code_rewrite, CodeUrlRewrite::None);
        assert_eq!(c.work_dir, PathBuf::from("/tmp/lambda-audit"));
        assert_eq!(c.findings_store, "/mnt/efs/findings.sqlite");
        assert_eq!(
            c.suppressions.as_deref(),
            Some(Path::new("/opt/lambda-audit.toml"))
        );

        let none = HandlerConfig::from_env(&|_| None).unwrap();
        assert_eq!(none.sinks, SinkConfig::default());
        assert_eq!(none.store, None);
        assert_eq!(none.suppressions, None);
        assert_eq!(none.findings_store, "/tmp/lambda-audit/findings.sqlite");
        let bucket_only = |k: &str| (k == "LAMBDA_AUDIT_REPORT_BUCKET").then(|| "r".to_string());
        assert_eq!(
            HandlerConfig::from_env(&bucket_only).unwrap().store,
            Some(StoreConfig {
                bucket: "r".into(),
                prefix: "lambda-audit/".into(),
            })
        );
        assert_eq!(
            none.database,
            DatabaseSource::Path(PathBuf::from("/opt/lambda-audit/db"))
        );
        let bad = |k: &str| (k == "LAMBDA_AUDIT_MAX_DOWNLOAD_BYTES").then(|| "lots".to_string());
        assert!(HandlerConfig::from_env(&bad).is_err());
    }
}
