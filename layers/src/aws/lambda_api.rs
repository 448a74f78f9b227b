//! The Lambda API calls a scan makes: GetFunction for a function's
//! configuration and code location, GetLayerVersionByArn (GetLayerVersion when
//! that call fails) for a layer version's. A resource that does not exist is
//! an answer here, not an error: the scan reports it as gone.

use super::arn::{FunctionArn, LayerVersionArn};
use super::error::{sdk_message, service_code};
use super::outcome::{FetchError, ScanOutcome};
use analyzer::platform::Architecture;
use aws_sdk_lambda::config::retry::RetryConfig;
use aws_sdk_lambda::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_lambda::types::{Architecture as LambdaArchitecture, PackageType};

/// Code located by the Lambda API: its presigned URL and the base64 SHA-256
/// Lambda reports for it.
pub(super) struct CodeRef {
    pub location: String,
    pub sha256: String,
}

/// A layer version located by the Lambda API.
pub(super) struct LayerRef {
    pub code: CodeRef,
    /// The one architecture the layer was published for, when its
    /// `CompatibleArchitectures` name exactly one.
    pub own_architecture: Option<Architecture>,
}

/// A function's configuration as needed to scan it.
pub(super) struct FunctionInfo {
    /// `…:function:NAME:VERSION`.
    pub subject: String,
    pub runtime: Option<String>,
    /// The `Handler` setting (zip packages).
    pub handler: Option<String>,
    /// Layer version ARNs in merge order.
    pub layers: Vec<String>,
    /// The instruction set it runs on (`Architectures`; x86_64 when absent).
    pub architecture: Architecture,
}

/// What GetFunction found.
pub(super) enum FunctionLookup {
    /// The function's configuration and where its code is.
    Found { info: FunctionInfo, code: CodeRef },
    /// The outcome that ends the scan: gone, or an image package.
    Ends(ScanOutcome),
}

/// How one call went, reduced to what a scan decides on.
enum CallError {
    NotFound,
    Other(String),
}

fn call_error<E, R>(err: SdkError<E, R>) -> CallError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    if service_code(&err) == Some("ResourceNotFoundException") {
        return CallError::NotFound;
    }
    CallError::Other(sdk_message(&err))
}

/// GetFunction for `function` (name or ARN) at `qualifier` (version or alias).
pub(super) async fn get_function(
    lambda: &aws_sdk_lambda::Client,
    function: &str,
    qualifier: Option<&str>,
) -> Result<FunctionLookup, FetchError> {
    let named = match qualifier {
        Some(q) => format!("{function}:{q}"),
        None => function.to_string(),
    };
    let out = match lambda
        .get_function()
        .function_name(function)
        .set_qualifier(qualifier.map(str::to_string))
        .send()
        .await
    {
        Ok(out) => out,
        Err(e) => {
            return match call_error(e) {
                CallError::NotFound => Ok(FunctionLookup::Ends(ScanOutcome::Gone {
                    subject: named,
                    detail: "the function no longer exists".into(),
                })),
                CallError::Other(message) => Err(FetchError::Api {
                    subject: named,
                    call: "GetFunction",
                    message,
                }),
            }
        }
    };
    let invalid = |message: &str| FetchError::Invalid {
        subject: named.clone(),
        message: message.to_string(),
    };
    let config = out
        .configuration()
        .ok_or_else(|| invalid("GetFunction returned no configuration"))?;
    let arn = config
        .function_arn()
        .ok_or_else(|| invalid("GetFunction returned no FunctionArn"))?;
    let parsed = FunctionArn::parse(arn).map_err(|e| invalid(&e.to_string()))?;
    let version = config.version().unwrap_or("$LATEST");
    let subject = parsed.with_version(version);
    if config.package_type() == Some(&PackageType::Image) {
        return Ok(FunctionLookup::Ends(ScanOutcome::NotScanned {
            subject,
            reason: "image package".into(),
        }));
    }
    let location = out
        .code()
        .and_then(|c| c.location())
        .ok_or_else(|| invalid("GetFunction returned no Code.Location"))?;
    let sha256 = config
        .code_sha256()
        .ok_or_else(|| invalid("GetFunction returned no CodeSha256"))?;
    Ok(FunctionLookup::Found {
        info: FunctionInfo {
            subject,
            runtime: config.runtime().map(|r| r.as_str().to_string()),
            handler: config.handler().map(str::to_string),
            layers: config
                .layers()
                .iter()
                .filter_map(|l| l.arn().map(str::to_string))
                .collect(),
            architecture: architecture(config.architectures()),
        },
        code: CodeRef {
            location: location.to_string(),
            sha256: sha256.to_string(),
        },
    })
}

/// The architecture a function's `Architectures` names: Lambda allows exactly
/// one, and x86_64 when the list is empty (its default).
fn architecture(listed: &[LambdaArchitecture]) -> Architecture {
    match listed.first() {
        Some(LambdaArchitecture::Arm64) => Architecture::Arm64,
        _ => Architecture::X86_64,
    }
}

/// Where a layer version's code is, or `None` when the version no longer
/// exists. GetLayerVersionByArn first; when that call fails other than "not
/// found" (moto answers it with HTTP 500), GetLayerVersion with the layer ARN
/// and number.
pub(super) async fn locate_layer(
    lambda: &aws_sdk_lambda::Client,
    arn: &LayerVersionArn,
) -> Result<Option<LayerRef>, FetchError> {
    let subject = arn.to_string();
    let by_arn = lambda
        .get_layer_version_by_arn()
        .arn(&subject)
        .customize()
        // No retries here: a failure of any kind falls back to GetLayerVersion,
        // which is retried (throttling included) like every other call.
        .config_override(
            aws_sdk_lambda::config::Builder::default().retry_config(RetryConfig::disabled()),
        )
        .send()
        .await;
    let found = match by_arn {
        Ok(out) => out
            .content()
            .cloned()
            .map(|c| (c, out.compatible_architectures().to_vec())),
        Err(e) => match call_error(e) {
            CallError::NotFound => return Ok(None),
            CallError::Other(_) => None,
        },
    };
    let (content, compatible) = match found.filter(|(c, _)| c.location().is_some()) {
        Some(found) => found,
        None => {
            let out = match lambda
                .get_layer_version()
                .layer_name(arn.layer_arn())
                .version_number(arn.version)
                .send()
                .await
            {
                Ok(out) => out,
                Err(e) => {
                    return match call_error(e) {
                        CallError::NotFound => Ok(None),
                        CallError::Other(message) => Err(FetchError::Api {
                            subject,
                            call: "GetLayerVersion",
                            message,
                        }),
                    }
                }
            };
            let content = out.content().cloned().ok_or_else(|| FetchError::Invalid {
                subject: subject.clone(),
                message: "GetLayerVersion returned no Content".into(),
            })?;
            (content, out.compatible_architectures().to_vec())
        }
    };
    let missing = |what: &str| FetchError::Invalid {
        subject: subject.clone(),
        message: format!("the layer version has no {what}"),
    };
    let code = CodeRef {
        location: content
            .location()
            .ok_or_else(|| missing("Content.Location"))?
            .to_string(),
        sha256: content
            .code_sha256()
            .ok_or_else(|| missing("Content.CodeSha256"))?
            .to_string(),
    };
    Ok(Some(LayerRef {
        code,
        own_architecture: match compatible.as_slice() {
            [only] => Some(architecture(std::slice::from_ref(only))),
            _ => None,
        },
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn architectures_default_to_x86_64() {
        assert_eq!(architecture(&[]), Architecture::X86_64);
        assert_eq!(
            architecture(&[LambdaArchitecture::X8664]),
            Architecture::X86_64
        );
        assert_eq!(
            architecture(&[LambdaArchitecture::Arm64]),
            Architecture::Arm64
        );
    }
}
