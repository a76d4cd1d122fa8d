//! The command line (DESIGN.md's contract): clap definitions only. Each command is a thin
//! function in `commands`: load → read → plan → render or apply.

use crate::render::Format;
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "wharf",
    version,
    about = "Keeps AWS container delivery (ECR, IAM, ECS) exactly as a YAML manifest says",
    propagate_version = true
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args, Clone, Default)]
pub struct GlobalArgs {
    /// AWS region (else the manifest's `region`, then AWS_REGION and the config chain).
    #[arg(long, global = true)]
    pub region: Option<String>,
    /// Named AWS profile (else AWS_PROFILE).
    #[arg(long, global = true)]
    pub profile: Option<String>,
    /// Send AWS calls to this endpoint (else AWS_ENDPOINT_URL), e.g. a local emulator.
    #[arg(long, global = true, value_name = "URL")]
    pub endpoint_url: Option<String>,
    /// Set a manifest variable: `${NAME}` becomes VALUE (overrides the environment).
    #[arg(long = "var", global = true, value_name = "NAME=VALUE", value_parser = parse_var)]
    pub vars: Vec<(String, String)>,
    /// Plain output without colour (NO_COLOR is honoured too).
    #[arg(long, global = true)]
    pub no_color: bool,
    /// More detail: -v adds AWS call counts and debug logs, -vv traces the SDK.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
}

fn parse_duration(text: &str) -> Result<std::time::Duration, String> {
    let (number, unit) = match text.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => text.split_at(i),
        None => (text, "s"),
    };
    let value: u64 = number
        .parse()
        .map_err(|_| format!("expected a duration like 300, 90s, 10m or 1h, got `{text}`"))?;
    let seconds = match unit {
        "s" => value,
        "m" => value * 60,
        "h" => value * 3600,
        _ => return Err(format!("unknown unit `{unit}`: use s, m or h")),
    };
    Ok(std::time::Duration::from_secs(seconds))
}

fn parse_var(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((name, value)) if !name.is_empty() => Ok((name.to_string(), value.to_string())),
        _ => Err(format!("expected NAME=VALUE, got `{text}`")),
    }
}

#[derive(Debug, Args, Clone)]
pub struct ManifestArg {
    /// The manifest file.
    #[arg(
        short = 'f',
        long = "file",
        value_name = "FILE",
        default_value = "wharf.yaml"
    )]
    pub file: PathBuf,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check the manifest without calling AWS. Exit 0 valid, 1 invalid.
    Validate {
        #[command(flatten)]
        manifest: ManifestArg,
    },
    /// Show what apply would change. With --detailed-exitcode: 0 nothing to do, 2 changes, 1 error.
    Plan {
        #[command(flatten)]
        manifest: ManifestArg,
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
        /// Exit 2 when there are changes, 0 when there are none.
        #[arg(long)]
        detailed_exitcode: bool,
        /// Also delete resources this stack owns that the manifest no longer declares.
        #[arg(long)]
        prune: bool,
        /// Restrict the plan to these addresses (`*` wildcards; repeatable).
        #[arg(long = "target", value_name = "ADDRESS")]
        targets: Vec<String>,
        /// Print AWS call counts after the plan.
        #[arg(long)]
        stats: bool,
    },
    /// Make AWS match the manifest. Asks first on a terminal; needs --auto-approve otherwise.
    Apply {
        #[command(flatten)]
        manifest: ManifestArg,
        /// Do not ask for confirmation.
        #[arg(long)]
        auto_approve: bool,
        /// Also delete resources this stack owns that the manifest no longer declares.
        #[arg(long)]
        prune: bool,
        /// Allow replacing resources that cannot change in place.
        #[arg(long)]
        allow_replace: bool,
        /// Allow deleting non-empty repositories (they also need forceDelete: true).
        #[arg(long)]
        allow_delete: bool,
        /// Restrict the apply to these addresses (`*` wildcards; repeatable).
        #[arg(long = "target", value_name = "ADDRESS")]
        targets: Vec<String>,
        /// Print AWS call counts after applying.
        #[arg(long)]
        stats: bool,
        /// Do not wait for service deployments to finish.
        #[arg(long)]
        no_wait: bool,
        /// How long to wait for each service deployment (e.g. 300, 90s, 10m, 1h).
        #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
        wait_timeout: Option<std::time::Duration>,
    },
    /// Report where live AWS differs from the manifest. Exit 0 none, 2 drift, 1 error.
    Drift {
        #[command(flatten)]
        manifest: ManifestArg,
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
    /// Print the manifest's JSON Schema (draft-07).
    Schema,
}
