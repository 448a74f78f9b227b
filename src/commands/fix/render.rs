//! A fix plan as a table (people), JSON (programs) or Markdown (a
//! pull-request comment).

use super::Format;
use analyzer::remediation::{Action, PackageFix, Plan};
use std::io::{self, Write};

/// Writes `plan` as `format`.
pub fn render(format: Format, plan: &Plan, out: &mut dyn Write) -> io::Result<()> {
    match format {
        Format::Json => {
            serde_json::to_writer_pretty(&mut *out, plan).map_err(io::Error::other)?;
            writeln!(out)
        }
        Format::Table => table(plan, out),
        Format::Markdown => markdown(plan, out),
    }
}

/// `minimist 1.2.0 (npm) -> 1.2.6`, or `-> no fixed version` when one
/// finding has none.
fn heading(fix: &PackageFix) -> String {
    let p = &fix.package;
    let target = match &fix.target {
        Some(t) => format!("-> {t}"),
        None => "-> no fixed version for every finding".into(),
    };
    format!("{} {} ({}) {target}", p.name, p.version, p.ecosystem)
}

/// One action, for people.
fn describe(fix: &PackageFix, action: &Action) -> String {
    let target = fix.target.as_deref().unwrap_or("a fixed version");
    let name = &fix.package.name;
    match action {
        Action::RequirementPin {
            file,
            line,
            from,
            to,
        } => match to {
            Some(to) => format!("{file}:{line}: `{}` -> `{}`", from.trim(), to.trim()),
            None => format!("{file}:{line}: `{}` (no fixed version to pin)", from.trim()),
        },
        Action::BumpDirect { manifest, .. } => {
            format!("{manifest}: raise the dependency {name} to >= {target}, then npm install")
        }
        Action::NpmOverride { manifest, via, .. } => {
            let through = match via.as_slice() {
                [] => String::new(),
                direct => format!(
                    "comes in through {}; bump that to a release that \
                     depends on {name} >= {target}, or ",
                    direct.join(", ")
                ),
            };
            format!("{manifest}: {through}add \"overrides\": {{\"{name}\": \"{target}\"}}")
        }
        Action::PublishLayer { layer, functions } => {
            let users = if functions.is_empty() {
                String::new()
            } else {
                format!(", then update {}", functions.join(", "))
            };
            format!("publish a new version of layer {layer} with {name} {target}{users}")
        }
        Action::Rebuild { artifact } => {
            format!("rebuild {artifact} with {name} {target}")
        }
    }
}

fn findings_line(fix: &PackageFix) -> String {
    let ids: Vec<String> = fix
        .findings
        .iter()
        .map(|f| match &f.fixed_version {
            Some(v) => format!("{} ({}, fixed in {v})", f.id, f.severity),
            None => format!("{} ({}, no fix)", f.id, f.severity),
        })
        .collect();
    ids.join(", ")
}

fn summary(plan: &Plan) -> String {
    let fixable = plan.packages.iter().filter(|p| p.target.is_some()).count();
    format!(
        "{} vulnerable package(s) at or above `{}`; {fixable} with a fixed version",
        plan.packages.len(),
        plan.threshold
    )
}

fn table(plan: &Plan, out: &mut dyn Write) -> io::Result<()> {
    for fix in &plan.packages {
        writeln!(out, "{}", heading(fix))?;
        writeln!(out, "  fixes: {}", findings_line(fix))?;
        for action in &fix.actions {
            writeln!(out, "  {}", describe(fix, action))?;
        }
        writeln!(out)?;
    }
    writeln!(out, "{}", summary(plan))
}

fn markdown(plan: &Plan, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "## lambda-audit fix plan\n")?;
    writeln!(out, "{}\n", summary(plan))?;
    if plan.packages.is_empty() {
        return Ok(());
    }
    writeln!(
        out,
        "| Package | Installed | Fix | Findings | What to change |"
    )?;
    writeln!(out, "| --- | --- | --- | --- | --- |")?;
    let cell = |s: &str| s.replace('|', "\\|").replace('\n', " ");
    for fix in &plan.packages {
        let actions: Vec<String> = fix.actions.iter().map(|a| describe(fix, a)).collect();
        writeln!(
            out,
            "| {} | {} | {} | {} | {} |",
            cell(&fix.package.name),
            cell(&fix.package.version),
            fix.target.as_deref().map_or("none".into(), cell),
            cell(&findings_line(fix)),
            cell(&actions.join("<br>"))
        )?;
    }
    Ok(())
}
