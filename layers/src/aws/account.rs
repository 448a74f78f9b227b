//! Scanning every function of an account: all pages, all given regions, with
//! bounded concurrency and one download and inventory per layer version; each
//! scanned function's exposure is read too.
//! Functions tagged for exclusion ([`exclusion`]) are listed, not scanned.

use super::config::{self, AwsOptions};
use super::download::Downloader;
use super::error::sdk_message;
use super::{FetchError, LayerCache, ScanOutcome, Scanner};
use analyzer::risk::Exposure;
use analyzer::Limits;
use std::sync::Arc;
use tokio::sync::Semaphore;

/// One function of the listing and how its scan went.
#[derive(Debug)]
pub struct FunctionResult {
    pub region: String,
    /// The function ARN as listed.
    pub function: String,
    pub outcome: Result<ScanOutcome, FetchError>,
    /// How the function is exposed (see [`super::exposure`]), for a scanned one.
    pub exposure: Option<Exposure>,
}

/// Progress of an account scan, as it happens.
#[derive(Debug)]
pub enum Progress<'a> {
    /// A region was listed.
    Listed { region: &'a str, functions: usize },
    /// A function's scan ended; `done` of `total` so far.
    Done {
        done: usize,
        total: usize,
        result: &'a FunctionResult,
    },
}

/// Why an account scan could not run at all.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("no region: give --region or configure one (AWS_REGION, profile)")]
    NoRegion,
    #[error("{region}: ListFunctions failed: {message}")]
    List { region: String, message: String },
}

/// Amazon Inspector's exclusion tag for Lambda standard scanning, and its value.
pub const INSPECTOR_EXCLUSION: (&str, &str) = ("InspectorExclusion", "LambdaStandardScanning");
/// lambda-audit's own exclusion tag (any value).
pub const EXCLUDE_TAG: &str = "lambda-audit:exclude";

/// Why a function with these tags is excluded from account scans, if it is:
/// `InspectorExclusion: LambdaStandardScanning`, or `lambda-audit:exclude`
/// with any value.
pub fn exclusion<'a>(tags: impl IntoIterator<Item = (&'a str, &'a str)>) -> Option<String> {
    tags.into_iter().find_map(|(key, value)| {
        let inspector = key == INSPECTOR_EXCLUSION.0 && value == INSPECTOR_EXCLUSION.1;
        (inspector || key == EXCLUDE_TAG).then(|| format!("excluded by tag {key}={value}"))
    })
}

/// The exclusion of function `arn` by its tags (ListTags), if any.
async fn excluded(
    lambda: &aws_sdk_lambda::Client,
    arn: &str,
) -> Result<Option<String>, FetchError> {
    let out = lambda
        .list_tags()
        .resource(arn)
        .send()
        .await
        .map_err(|e| FetchError::Api {
            subject: arn.to_string(),
            call: "ListTags",
            message: sdk_message(&e),
        })?;
    let mut tags: Vec<(&str, &str)> = out
        .tags()
        .map(|t| t.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect())
        .unwrap_or_default();
    tags.sort();
    Ok(exclusion(tags))
}

/// Every function ARN in one region, following every page.
pub async fn list_functions(lambda: &aws_sdk_lambda::Client) -> Result<Vec<String>, String> {
    let mut pages = lambda.list_functions().into_paginator().send();
    let mut arns = Vec::new();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| sdk_message(&e))?;
        arns.extend(
            page.functions()
                .iter()
                .filter_map(|f| f.function_arn().map(str::to_string)),
        );
    }
    Ok(arns)
}

/// Lists and scans every function of the given regions (the configured region
/// when none is given), at most `concurrency` at a time. A function that fails
/// or is gone is a result, never the end of the batch.
pub async fn scan_account(
    options: &AwsOptions,
    regions: &[String],
    concurrency: usize,
    downloader: Downloader,
    limits: Limits,
    progress: &mut (dyn FnMut(Progress<'_>) + Send),
) -> Result<(Vec<FunctionResult>, Arc<LayerCache>), AccountError> {
    let layers = Arc::new(LayerCache::default());
    let mut work = Vec::new();
    let regions: Vec<Option<&str>> = if regions.is_empty() {
        vec![None]
    } else {
        regions.iter().map(|r| Some(r.as_str())).collect()
    };
    for region in regions {
        let sdk = config::load(options, region).await;
        let region = sdk
            .region()
            .map(|r| r.to_string())
            .ok_or(AccountError::NoRegion)?;
        let lambda = config::lambda(&sdk);
        let arns = list_functions(&lambda)
            .await
            .map_err(|message| AccountError::List {
                region: region.clone(),
                message,
            })?;
        progress(Progress::Listed {
            region: &region,
            functions: arns.len(),
        });
        let scanner = Scanner::new(
            lambda.clone(),
            downloader.clone(),
            limits.clone(),
            layers.clone(),
        );
        work.extend(
            arns.into_iter()
                .map(|arn| (region.clone(), arn, scanner.clone(), lambda.clone())),
        );
    }
    let total = work.len();
    let permits = Arc::new(Semaphore::new(concurrency.max(1)));
    let mut tasks = tokio::task::JoinSet::new();
    let mut ids = std::collections::HashMap::new();
    let mut results: Vec<Option<FunctionResult>> = Vec::with_capacity(total);
    for (index, (region, function, scanner, lambda)) in work.into_iter().enumerate() {
        let permits = permits.clone();
        // Until its task ends, a function's slot says the scan did not finish.
        results.push(Some(FunctionResult {
            region: region.clone(),
            function: function.clone(),
            outcome: Err(FetchError::Archive(format!(
                "{function}: the scan did not finish"
            ))),
            exposure: None,
        }));
        let handle = tasks.spawn(async move {
            let _permit = permits.acquire_owned().await;
            let outcome = match excluded(&lambda, &function).await {
                Ok(Some(reason)) => Ok(ScanOutcome::NotScanned {
                    subject: function.clone(),
                    reason,
                }),
                Ok(None) => scanner.scan_function(&function, None).await,
                Err(e) => Err(e),
            };
            let exposure = match &outcome {
                Ok(ScanOutcome::Scanned(s)) => {
                    Some(super::exposure::read(&lambda, &s.subject).await)
                }
                _ => None,
            };
            FunctionResult {
                region,
                function,
                outcome,
                exposure,
            }
        });
        ids.insert(handle.id(), index);
    }
    let mut done = 0;
    while let Some(joined) = tasks.join_next_with_id().await {
        done += 1;
        let (index, result) = match joined {
            Ok((id, result)) => (ids.get(&id).copied(), Some(result)),
            // A failed task keeps its "did not finish" result, with the reason.
            Err(e) => {
                let index = ids.get(&e.id()).copied();
                if let Some(Some(r)) = index.and_then(|i| results.get_mut(i)) {
                    r.outcome = Err(FetchError::Archive(format!(
                        "{}: the scan task failed: {e}",
                        r.function
                    )));
                }
                (index, None)
            }
        };
        let Some(index) = index else { continue };
        if let Some(result) = result {
            results[index] = Some(result);
        }
        if let Some(Some(result)) = results.get(index) {
            progress(Progress::Done {
                done,
                total,
                result,
            });
        }
    }
    Ok((results.into_iter().flatten().collect(), layers))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exclusion_tags() {
        assert_eq!(
            exclusion([("InspectorExclusion", "LambdaStandardScanning")]).as_deref(),
            Some("excluded by tag InspectorExclusion=LambdaStandardScanning")
        );
        assert_eq!(exclusion([("InspectorExclusion", "Other")]), None);
        assert_eq!(
            exclusion([("team", "a"), ("lambda-audit:exclude", "")]).as_deref(),
            Some("excluded by tag lambda-audit:exclude=")
        );
        assert_eq!(exclusion([("team", "a")]), None);
    }
}
