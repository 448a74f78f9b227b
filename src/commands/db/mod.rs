//! `lambda-audit db`: the advisory database, one module per subcommand.

mod info;
mod layer;
mod progress;
mod update;

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(subcommand)]
    pub action: Action,
}

#[derive(clap::Subcommand, Debug)]
pub enum Action {
    /// Download the OSV exports of every supported ecosystem (npm, PyPI, crates.io,
    /// Maven, Go, RubyGems, NuGet) into the cache
    /// (all or nothing: a failed update keeps the previous database).
    Update(update::Args),
    /// Show which database a scan would use: source, records per ecosystem, age.
    Info(info::Args),
    /// Build a Lambda layer holding the database and its compiled index, for
    /// the post-deploy trigger (mounted at /opt/lambda-audit).
    Layer(layer::Args),
}

pub fn run(args: Args) -> anyhow::Result<u8> {
    match args.action {
        Action::Update(args) => update::run(args),
        Action::Info(args) => info::run(args),
        Action::Layer(args) => layer::run(args),
    }
}
