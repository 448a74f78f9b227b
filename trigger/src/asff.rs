//! Findings for Security Hub's BatchImportFindings: the very ASFF findings
//! `lambda-audit function --format asff` prints (built by
//! `analyzer::report::asff`), converted to the SDK's types.
//!
//! The trigger adds the finding's lifecycle from the findings store
//! ([`finding`]): `CreatedAt` is the first observation, `UpdatedAt` the
//! transition; a suppressed finding's `Workflow.Status` is `SUPPRESSED`, and a
//! closed one is `RESOLVED` with `RecordState` `ARCHIVED`.
//!
//! The SDK's types do not deserialize from JSON (that serde support is
//! unstable), so [`to_sdk`] maps the ASFF fields one by one. It refuses any
//! field it does not map, so a field added to the shared builder fails the
//! tests here instead of silently never reaching Security Hub.

use analyzer::report::asff;
use analyzer::report::AsffContext;
use aws_sdk_securityhub::types::{
    AwsSecurityFinding, Cvss, FindingProviderFields, FindingProviderSeverity, Note, Partition,
    RecordState, Resource, Severity, SeverityLabel, SoftwarePackage, Vulnerability,
    VulnerabilityExploitAvailable, VulnerabilityFixAvailable, VulnerabilityVendor, Workflow,
    WorkflowStatus,
};
use serde_json::{Map, Value};
use std::collections::HashMap;
use store::{FindingStatus, StoredFinding};

/// The ASFF finding for the stored finding `stored`, about the resource
/// `context.resource_id` names (see `layers::aws::asff::context`), as JSON.
pub fn finding(context: &AsffContext, stored: &StoredFinding) -> Value {
    let resource = context.resource_id.clone().unwrap_or_default();
    let mut value = asff::finding(context, &resource, &stored.finding);
    value["CreatedAt"] = Value::from(store::time::format(stored.first_observed_at));
    value["UpdatedAt"] = Value::from(store::time::format(stored.updated_at));
    let (record_state, workflow) = match stored.status {
        FindingStatus::Active => ("ACTIVE", "NEW"),
        FindingStatus::Suppressed => ("ACTIVE", "SUPPRESSED"),
        FindingStatus::Closed => ("ARCHIVED", "RESOLVED"),
    };
    value["RecordState"] = Value::from(record_state);
    value["Workflow"] = serde_json::json!({ "Status": workflow });
    value
}

/// An ASFF finding that cannot be expressed in the SDK's types.
#[derive(Debug, thiserror::Error)]
#[error("ASFF {path}: {problem}")]
pub struct AsffError {
    /// Where in the finding, e.g. `Vulnerabilities[0].Cvss[0].BaseScore`.
    pub path: String,
    pub problem: String,
}

/// The SDK's form of an ASFF finding (one element of `--format asff`'s array).
pub fn to_sdk(value: &Value) -> Result<AwsSecurityFinding, AsffError> {
    let mut f = Fields::of(String::new(), value)?;
    let finding = AwsSecurityFinding::builder()
        .set_schema_version(f.text("SchemaVersion")?)
        .set_id(f.text("Id")?)
        .set_product_arn(f.text("ProductArn")?)
        .set_generator_id(f.text("GeneratorId")?)
        .set_aws_account_id(f.text("AwsAccountId")?)
        .set_types(f.texts("Types")?)
        .set_created_at(f.text("CreatedAt")?)
        .set_updated_at(f.text("UpdatedAt")?)
        .set_severity(f.object("Severity")?.map(severity).transpose()?)
        .set_title(f.text("Title")?)
        .set_description(f.text("Description")?)
        .set_resources(each(f.objects("Resources")?, resource)?)
        .set_vulnerabilities(each(f.objects("Vulnerabilities")?, vulnerability)?)
        .set_record_state(
            f.text("RecordState")?
                .map(|s| RecordState::from(s.as_str())),
        )
        .set_workflow(f.object("Workflow")?.map(workflow).transpose()?)
        .set_finding_provider_fields(
            f.object("FindingProviderFields")?
                .map(provider_fields)
                .transpose()?,
        )
        .set_product_fields(f.text_map("ProductFields")?)
        .set_note(f.object("Note")?.map(note).transpose()?)
        .set_source_url(f.text("SourceUrl")?)
        .build();
    f.done()?;
    Ok(finding)
}

fn severity(mut f: Fields<'_>) -> Result<Severity, AsffError> {
    let severity = Severity::builder()
        .set_label(f.text("Label")?.map(|s| SeverityLabel::from(s.as_str())))
        .set_original(f.text("Original")?)
        .build();
    f.done()?;
    Ok(severity)
}

fn provider_fields(mut f: Fields<'_>) -> Result<FindingProviderFields, AsffError> {
    let fields = FindingProviderFields::builder()
        .set_severity(f.object("Severity")?.map(provider_severity).transpose()?)
        .set_types(f.texts("Types")?)
        .build();
    f.done()?;
    Ok(fields)
}

fn provider_severity(mut f: Fields<'_>) -> Result<FindingProviderSeverity, AsffError> {
    let severity = FindingProviderSeverity::builder()
        .set_label(f.text("Label")?.map(|s| SeverityLabel::from(s.as_str())))
        .set_original(f.text("Original")?)
        .build();
    f.done()?;
    Ok(severity)
}

fn resource(mut f: Fields<'_>) -> Result<Resource, AsffError> {
    let resource = Resource::builder()
        .set_type(f.text("Type")?)
        .set_id(f.text("Id")?)
        .set_partition(f.text("Partition")?.map(|s| Partition::from(s.as_str())))
        .set_region(f.text("Region")?)
        .build();
    f.done()?;
    Ok(resource)
}

fn vulnerability(mut f: Fields<'_>) -> Result<Vulnerability, AsffError> {
    let vulnerability = Vulnerability::builder()
        .set_id(f.text("Id")?)
        .set_vulnerable_packages(each(f.objects("VulnerablePackages")?, package)?)
        .set_cvss(each(f.objects("Cvss")?, cvss)?)
        .set_related_vulnerabilities(f.texts("RelatedVulnerabilities")?)
        .set_vendor(f.object("Vendor")?.map(vendor).transpose()?)
        .set_reference_urls(f.texts("ReferenceUrls")?)
        .set_fix_available(
            f.text("FixAvailable")?
                .map(|s| VulnerabilityFixAvailable::from(s.as_str())),
        )
        .set_epss_score(f.number("EpssScore")?)
        .set_exploit_available(
            f.text("ExploitAvailable")?
                .map(|s| VulnerabilityExploitAvailable::from(s.as_str())),
        )
        .build();
    f.done()?;
    Ok(vulnerability)
}

fn package(mut f: Fields<'_>) -> Result<SoftwarePackage, AsffError> {
    let package = SoftwarePackage::builder()
        .set_name(f.text("Name")?)
        .set_epoch(f.text("Epoch")?)
        .set_version(f.text("Version")?)
        .set_package_manager(f.text("PackageManager")?)
        .set_file_path(f.text("FilePath")?)
        .set_fixed_in_version(f.text("FixedInVersion")?)
        .set_remediation(f.text("Remediation")?)
        .build();
    f.done()?;
    Ok(package)
}

fn cvss(mut f: Fields<'_>) -> Result<Cvss, AsffError> {
    let cvss = Cvss::builder()
        .set_version(f.text("Version")?)
        .set_base_score(f.number("BaseScore")?)
        .set_base_vector(f.text("BaseVector")?)
        .set_source(f.text("Source")?)
        .build();
    f.done()?;
    Ok(cvss)
}

fn vendor(mut f: Fields<'_>) -> Result<VulnerabilityVendor, AsffError> {
    let vendor = VulnerabilityVendor::builder()
        .set_name(f.text("Name")?)
        .set_url(f.text("Url")?)
        .build();
    f.done()?;
    Ok(vendor)
}

fn workflow(mut f: Fields<'_>) -> Result<Workflow, AsffError> {
    let workflow = Workflow::builder()
        .set_status(f.text("Status")?.map(|s| WorkflowStatus::from(s.as_str())))
        .build();
    f.done()?;
    Ok(workflow)
}

fn note(mut f: Fields<'_>) -> Result<Note, AsffError> {
    let note = Note::builder()
        .set_text(f.text("Text")?)
        .set_updated_by(f.text("UpdatedBy")?)
        .set_updated_at(f.text("UpdatedAt")?)
        .build();
    f.done()?;
    Ok(note)
}

/// Converts each object of a list, keeping an absent list absent.
fn each<T>(
    list: Option<Vec<Fields<'_>>>,
    convert: impl Fn(Fields<'_>) -> Result<T, AsffError>,
) -> Result<Option<Vec<T>>, AsffError> {
    list.map(|l| l.into_iter().map(convert).collect())
        .transpose()
}

/// One JSON object of a finding, read field by field: [`Fields::done`] fails
/// on any field that was not read.
struct Fields<'a> {
    path: String,
    map: &'a Map<String, Value>,
    read: Vec<&'static str>,
}

impl<'a> Fields<'a> {
    fn of(path: String, value: &'a Value) -> Result<Fields<'a>, AsffError> {
        match value.as_object() {
            Some(map) => Ok(Fields {
                path,
                map,
                read: Vec::new(),
            }),
            None => Err(AsffError {
                path: Self::shown(&path),
                problem: "is not an object".into(),
            }),
        }
    }

    fn shown(path: &str) -> String {
        if path.is_empty() {
            "finding".into()
        } else {
            path.to_string()
        }
    }

    fn child(&self, key: &str) -> String {
        if self.path.is_empty() {
            key.to_string()
        } else {
            format!("{}.{key}", self.path)
        }
    }

    fn error(&self, key: &str, problem: &str) -> AsffError {
        AsffError {
            path: self.child(key),
            problem: problem.into(),
        }
    }

    fn take(&mut self, key: &'static str) -> Option<&'a Value> {
        self.read.push(key);
        self.map.get(key)
    }

    fn text(&mut self, key: &'static str) -> Result<Option<String>, AsffError> {
        match self.take(key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(self.error(key, "is not a string")),
        }
    }

    fn number(&mut self, key: &'static str) -> Result<Option<f64>, AsffError> {
        match self.take(key) {
            None => Ok(None),
            Some(v) => v
                .as_f64()
                .map(Some)
                .ok_or_else(|| self.error(key, "is not a number")),
        }
    }

    fn list(&mut self, key: &'static str) -> Result<Option<&'a Vec<Value>>, AsffError> {
        match self.take(key) {
            None => Ok(None),
            Some(Value::Array(items)) => Ok(Some(items)),
            Some(_) => Err(self.error(key, "is not a list")),
        }
    }

    fn texts(&mut self, key: &'static str) -> Result<Option<Vec<String>>, AsffError> {
        let Some(items) = self.list(key)? else {
            return Ok(None);
        };
        items
            .iter()
            .map(|v| {
                v.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| self.error(key, "is not a list of strings"))
            })
            .collect::<Result<_, _>>()
            .map(Some)
    }

    fn objects(&mut self, key: &'static str) -> Result<Option<Vec<Fields<'a>>>, AsffError> {
        let Some(items) = self.list(key)? else {
            return Ok(None);
        };
        let path = self.child(key);
        items
            .iter()
            .enumerate()
            .map(|(i, v)| Fields::of(format!("{path}[{i}]"), v))
            .collect::<Result<_, _>>()
            .map(Some)
    }

    fn object(&mut self, key: &'static str) -> Result<Option<Fields<'a>>, AsffError> {
        let path = self.child(key);
        self.take(key).map(|v| Fields::of(path, v)).transpose()
    }

    fn text_map(
        &mut self,
        key: &'static str,
    ) -> Result<Option<HashMap<String, String>>, AsffError> {
        let Some(value) = self.take(key) else {
            return Ok(None);
        };
        let map = value
            .as_object()
            .ok_or_else(|| self.error(key, "is not an object"))?;
        map.iter()
            .map(|(k, v)| match v.as_str() {
                Some(s) => Ok((k.clone(), s.to_string())),
                None => Err(self.error(key, "is not a map of strings")),
            })
            .collect::<Result<_, _>>()
            .map(Some)
    }

    /// Fails on the first field that was not read.
    fn done(self) -> Result<(), AsffError> {
        match self.map.keys().find(|k| !self.read.contains(&k.as_str())) {
            None => Ok(()),
            Some(unknown) => Err(AsffError {
                path: self.child(unknown),
                problem: "has no Security Hub mapping here".into(),
            }),
        }
    }
}

#[cfg(test)]
#[path = "asff_tests.rs"]
mod tests;
