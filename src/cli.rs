//! The command line (the contract docs/architecture.md names): clap definitions only. Each command is a thin
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
    /// The manifest file. Give it more than once to lay environment files over a base
    /// (`-f base.yaml -f prod.yaml`): later files win, mappings merge, lists replace.
    #[arg(
        short = 'f',
        long = "file",
        value_name = "FILE",
        default_value = "wharf.yaml",
        action = clap::ArgAction::Append
    )]
    pub file: Vec<PathBuf>,
}

#[derive(Debug, Subcommand)]
// Parsed once per run: the size of the largest variant costs nothing.
#[allow(clippy::large_enum_variant)]
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
        /// Also save the plan to PLANFILE, for `wharf apply PLANFILE` to apply exactly it.
        #[arg(long, value_name = "PLANFILE")]
        out: Option<PathBuf>,
        /// Take over declared resources that exist without any wharf:stack tag: plan them
        /// as updates that add this stack's tag. Another stack's resources stay refused.
        #[arg(long)]
        adopt: bool,
    },
    /// Make AWS match the manifest, or apply a saved plan exactly. Asks first on a terminal;
    /// needs --auto-approve otherwise.
    Apply {
        #[command(flatten)]
        manifest: ManifestArg,
        /// A plan saved by `wharf plan --out`: applies exactly its changes, after checking
        /// that nothing it touches moved since.
        #[arg(value_name = "PLANFILE", conflicts_with_all = ["prune", "targets", "adopt"])]
        plan_file: Option<PathBuf>,
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
        /// Put lifecycle rules that would expire or archive images in use (by a service, a
        /// task definition of the manifest or a running task); the plan names each.
        #[arg(long)]
        allow_expire_in_use: bool,
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
        /// Take over declared resources that exist without any wharf:stack tag by adding
        /// this stack's tag. Another stack's resources stay refused.
        #[arg(long)]
        adopt: bool,
    },
    /// Roll a service back: a deployment in flight is stopped and rolled back by ECS
    /// (StopServiceDeployment), a finished one is replaced by a deployment of the revision
    /// it replaced. Waits and reports like apply. Asks first on a terminal; needs
    /// --auto-approve otherwise. Exit 0 rolled back (or nothing to do), 1 error.
    Rollback {
        #[command(flatten)]
        manifest: ManifestArg,
        /// The service, as the plan names it: `ecs.service.NAME`.
        #[arg(value_name = "ADDRESS")]
        address: String,
        /// Do not ask for confirmation.
        #[arg(long)]
        auto_approve: bool,
        /// Do not wait for the rollback to finish.
        #[arg(long)]
        no_wait: bool,
        /// How long to wait for the rollback (e.g. 300, 90s, 10m, 1h).
        #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
        wait_timeout: Option<std::time::Duration>,
        /// Print AWS call counts afterwards.
        #[arg(long)]
        stats: bool,
    },
    /// Report where live AWS differs from the manifest. Exit 0 none, 2 drift, 1 error.
    Drift {
        #[command(flatten)]
        manifest: ManifestArg,
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
        /// Also list repositories, roles, clusters, task definition families and services
        /// that carry no wharf:stack tag at all (for information: never changed, and they
        /// do not change the exit code).
        #[arg(long)]
        include_unmanaged: bool,
    },
    /// Print a manifest (YAML) of existing resources, to adopt what was built by hand:
    /// review it, then `wharf apply --adopt`. Exit 0 written, 1 error.
    Export(ExportArgs),
    /// Security findings over the manifest (with --live, over live AWS too). Exit 0 when
    /// no unsuppressed finding is at or above the threshold, 3 when one is, 1 on error.
    Lint {
        #[command(flatten)]
        manifest: ManifestArg,
        #[arg(long, value_enum, default_value = "text")]
        format: crate::lint::Format,
        /// Fail (exit 3) on unsuppressed findings at least this severe. Default: the
        /// manifest's lint.failOn, else high.
        #[arg(long, value_enum, value_name = "SEVERITY")]
        fail_on: Option<crate::lint::FailOn>,
        /// Also lint what AWS holds for the resources this stack manages (reads AWS).
        #[arg(long)]
        live: bool,
    },
    /// Print the manifest's JSON Schema (draft-07).
    Schema,
    /// Run validate, plan, apply or drift across the targets of a fleet file (accounts ×
    /// regions), each with its own assumed role; merge shard reports. Exit codes are
    /// aggregated: 1 when any target failed, else 2 when any has drift (or changes,
    /// with --detailed-exitcode), else 0.
    #[command(subcommand)]
    Fleet(FleetCommand),
    /// Print a shell completion script (e.g. `wharf completions bash > /etc/bash_completion.d/wharf`).
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page in roff (`wharf man > /usr/local/share/man/man1/wharf.1`), or
    /// write one page per command into a directory (wharf.1, wharf-plan.1, ...).
    Man {
        #[arg(long, value_name = "DIR")]
        out_dir: Option<PathBuf>,
    },
}

/// `wharf export`: which existing resources to write into a manifest. Patterns take `*`
/// wildcards (`shop/*`); every selection flag may be repeated. Resources another stack
/// owns are left out, with a note on stderr.
#[derive(Debug, Args, Clone)]
#[command(group(
    clap::ArgGroup::new("selection")
        .required(true)
        .multiple(true)
        .args(["repositories", "roles", "clusters", "capacity_providers", "task_definitions", "services", "registry", "pull_through_cache", "creation_templates", "all"])
))]
pub struct ExportArgs {
    /// The stack the manifest is for (its `stack:`, the ownership tag value adopt adds).
    #[arg(long, value_name = "NAME")]
    pub stack: String,
    /// ECR repositories whose names match.
    #[arg(long = "repositories", value_name = "GLOB")]
    pub repositories: Vec<String>,
    /// IAM roles whose names match (service-linked roles are never exported).
    #[arg(long = "roles", value_name = "GLOB")]
    pub roles: Vec<String>,
    /// ECS clusters whose names match.
    #[arg(long = "clusters", value_name = "GLOB")]
    pub clusters: Vec<String>,
    /// ECS capacity providers (Auto Scaling group providers) whose names match.
    #[arg(long = "capacity-providers", value_name = "GLOB")]
    pub capacity_providers: Vec<String>,
    /// Task definition families whose names match (their latest ACTIVE revision).
    #[arg(long = "task-definitions", value_name = "GLOB")]
    pub task_definitions: Vec<String>,
    /// ECS services whose names match, in the clusters named by --cluster (else in the
    /// clusters --clusters exports, else in every cluster).
    #[arg(long = "services", value_name = "GLOB")]
    pub services: Vec<String>,
    /// A cluster to look for --services in.
    #[arg(long = "cluster", value_name = "NAME", requires = "services")]
    pub cluster: Vec<String>,
    /// The registry's scanning configuration, replication and registry policy (those not
    /// at AWS's defaults).
    #[arg(long)]
    pub registry: bool,
    /// Pull through cache rules whose repository prefixes match.
    #[arg(long = "pull-through-cache", value_name = "GLOB")]
    pub pull_through_cache: Vec<String>,
    /// Repository creation templates whose prefixes match (ROOT is the default template).
    #[arg(long = "creation-templates", value_name = "GLOB")]
    pub creation_templates: Vec<String>,
    /// Everything of every kind: the same as `*` for each pattern, and --registry.
    #[arg(long)]
    pub all: bool,
    /// Write the manifest to FILE instead of standard output.
    #[arg(short = 'o', long = "out", value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// The JSON Schema the first line points editors at (write it with `wharf schema`).
    #[arg(long, value_name = "PATH_OR_URL", default_value = "wharf.schema.json")]
    pub schema: String,
}

/// `wharf fleet ...`: one command across the targets of a fleet file.
#[derive(Debug, Subcommand)]
pub enum FleetCommand {
    /// Check the fleet file and every selected target's manifests (no AWS call).
    /// Exit 0 valid, 1 invalid.
    Validate {
        #[command(flatten)]
        fleet: FleetArgs,
    },
    /// Plan every selected target and print one merged report.
    Plan {
        #[command(flatten)]
        fleet: FleetArgs,
        #[command(flatten)]
        report: FleetReportArgs,
        /// Exit 2 when any target has changes (0 when none, 1 on any error).
        #[arg(long)]
        detailed_exitcode: bool,
        /// Also plan deleting what each target's stack owns but its manifest no longer declares.
        #[arg(long)]
        prune: bool,
        /// Save the fleet plan (every target's plan, with what `wharf apply PLANFILE`
        /// checks) for `wharf fleet apply PLANFILE`.
        #[arg(long, value_name = "PLANFILE")]
        out: Option<PathBuf>,
        /// Print each target's AWS call counts afterwards.
        #[arg(long)]
        stats: bool,
    },
    /// Plan every selected target, show the merged plan, ask once, then apply target by
    /// target in waves. Or apply a saved fleet plan, refusing targets that moved since.
    Apply {
        #[command(flatten)]
        fleet: FleetArgs,
        /// A fleet plan saved by `wharf fleet plan --out` (instead of planning anew).
        #[arg(value_name = "PLANFILE")]
        plan_file: Option<PathBuf>,
        /// Do not ask for confirmation.
        #[arg(long)]
        auto_approve: bool,
        #[arg(long)]
        prune: bool,
        #[arg(long)]
        allow_replace: bool,
        #[arg(long)]
        allow_delete: bool,
        /// Put lifecycle rules that would expire or archive images in use.
        #[arg(long)]
        allow_expire_in_use: bool,
        /// How many targets are applied at once (one wave); the next wave starts when
        /// this one has finished.
        #[arg(long, value_name = "M", default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..))]
        max_parallel: u32,
        /// After a wave in which a target failed (or a target that failed to plan), start
        /// no further wave.
        #[arg(long)]
        stop_on_failure: bool,
        /// Do not wait for ECS deployments to finish.
        #[arg(long)]
        no_wait: bool,
        /// How long each target waits for its deployments (e.g. 300, 90s, 10m, 1h).
        #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
        wait_timeout: Option<std::time::Duration>,
        /// Also write the merged report as JSON to FILE.
        #[arg(long, value_name = "FILE")]
        report: Option<PathBuf>,
        /// Print each target's AWS call counts afterwards.
        #[arg(long)]
        stats: bool,
    },
    /// Report where each selected target differs from its manifests. Exit 0 none,
    /// 2 drift in any target, 1 any error.
    Drift {
        #[command(flatten)]
        fleet: FleetArgs,
        #[command(flatten)]
        report: FleetReportArgs,
    },
    /// Merge fleet reports written as JSON (the shards of one run, `--shard I/N`) into
    /// one report, with the exit code the whole run would have had.
    Report {
        /// The JSON reports (e.g. shard-*.json).
        #[arg(value_name = "FILE", required = true)]
        files: Vec<PathBuf>,
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
        /// For plan reports: exit 2 when any target has changes.
        #[arg(long)]
        detailed_exitcode: bool,
    },
    /// Print the fleet file's JSON Schema (draft-07).
    Schema,
}

/// Which fleet file and which of its targets.
#[derive(Debug, Args, Clone)]
pub struct FleetArgs {
    /// The fleet file.
    #[arg(
        short = 'f',
        long = "file",
        value_name = "FILE",
        default_value = "fleet.yaml"
    )]
    pub file: PathBuf,
    /// Only the targets whose names match (`*` wildcards; may be repeated).
    #[arg(long = "target-name", value_name = "GLOB")]
    pub target_names: Vec<String>,
    /// At most N targets are read and planned at once.
    #[arg(long, value_name = "N", default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..))]
    pub concurrency: u32,
    /// Run only shard I of N: a deterministic 1/N of the selected targets (by their
    /// position in the fleet file), for spreading a fleet over several machines.
    #[arg(long, value_name = "I/N", value_parser = parse_shard)]
    pub shard: Option<(u32, u32)>,
}

/// Where a fleet plan or drift report goes.
#[derive(Debug, Args, Clone)]
pub struct FleetReportArgs {
    /// The format on standard output (default: text, or json with --shard).
    #[arg(long, value_enum)]
    pub format: Option<Format>,
    /// Also write the report as JSON to FILE (what `wharf fleet report` merges).
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,
}

fn parse_shard(text: &str) -> Result<(u32, u32), String> {
    let bad = || format!("expected I/N with 1 <= I <= N (e.g. 2/4), got `{text}`");
    let (i, n) = text.split_once('/').ok_or_else(bad)?;
    let i: u32 = i.trim().parse().map_err(|_| bad())?;
    let n: u32 = n.trim().parse().map_err(|_| bad())?;
    if i == 0 || n == 0 || i > n {
        return Err(bad());
    }
    Ok((i, n))
}
