//! The commands (cargo's "commands wrap ops"): `run` dispatches to one small module per
//! command, each parsing its arguments, calling the `ops` pipelines (through `session`,
//! which loads, connects and plans) and printing the result. Output goes through anstream
//! so colour follows the terminal, NO_COLOR and --no-color; plans go to stdout,
//! diagnostics and errors to stderr.

use crate::aws::{self, Aws, ConnectOptions};
use crate::cli::{Cli, Command, GlobalArgs};
use crate::kinds::common::Adoption;
use crate::live::LiveSnapshot;
use crate::manifest::vars::Variables;
use crate::manifest::{self, LoadedManifest};
use crate::ops;
use crate::ops::apply::{self, ApplyOptions, Event, Outcome, StepReport};
use crate::plan::Plan;
use crate::plan::build::PlanOptions;
use crate::render::diagnostics::render_diagnostics;
use crate::render::{self, Format, Style};
use anstyle::{AnsiColor, Style as Paint};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

mod apply_command;
mod drift;
mod export;
mod fleet;
mod fleet_apply;
mod lint;
mod man;
mod plan;
mod progress;
mod rollback;
mod saved;
mod session;

use drift::run_drift;
use export::run_export;
use lint::run_lint;
use man::man_pages;
use session::{Planned, aws_error, connect_options, load, load_and_plan, reading_spinner};

pub const EXIT_OK: i32 = 0;
pub const EXIT_ERROR: i32 = 1;
pub const EXIT_CHANGES: i32 = 2;
/// Apply stopped by SIGINT or SIGTERM (128 + SIGINT, the shell's convention).
pub const EXIT_INTERRUPTED: i32 = 130;
/// `lint`: an unsuppressed finding at or above the threshold. Not 2, so a script that
/// runs `drift` and `lint` can tell drift from findings.
pub const EXIT_FINDINGS: i32 = 3;

/// Output settings shared by every command.
struct Ui {
    color: bool,
    verbose: u8,
}

impl Ui {
    fn new(global: &GlobalArgs) -> Self {
        if global.no_color {
            anstream::ColorChoice::Never.write_global();
        }
        let color =
            anstream::AutoStream::choice(&std::io::stdout()) != anstream::ColorChoice::Never;
        Self {
            color,
            verbose: global.verbose,
        }
    }

    fn paint(&self, style: Paint, text: &str) -> String {
        if self.color {
            format!("{}{text}{}", style.render(), style.render_reset())
        } else {
            text.to_string()
        }
    }

    fn error(&self, message: &str) {
        let label = self.paint(AnsiColor::Red.on_default().bold(), "error:");
        let _ = writeln!(anstream::stderr(), "{label} {message}");
    }

    fn hint(&self, message: &str) {
        let label = self.paint(AnsiColor::Cyan.on_default().bold(), "hint:");
        let _ = writeln!(anstream::stderr(), "{label} {message}");
    }

    fn out(&self, text: &str) {
        let _ = write!(anstream::stdout(), "{text}");
        let _ = anstream::stdout().flush();
    }
}

pub fn run(cli: Cli) -> i32 {
    let ui = Ui::new(&cli.global);
    match &cli.command {
        Command::Schema => {
            ui.out(&manifest::schema::manifest_schema_text());
            EXIT_OK
        }
        Command::Completions { shell } => {
            let mut command = <Cli as clap::CommandFactory>::command();
            let mut script = Vec::new();
            clap_complete::generate(*shell, &mut command, "wharf", &mut script);
            ui.out(&String::from_utf8_lossy(&script));
            EXIT_OK
        }
        Command::Man { out_dir } => man_pages(&ui, out_dir.as_deref()),
        Command::Validate { manifest } => match load(&ui, &manifest.file, &cli.global) {
            Some(loaded) => {
                let m = &loaded.manifest;
                ui.out(&format!(
                    "{} is valid: stack `{}`, {}.\n",
                    loaded.file_name,
                    m.stack,
                    crate::kinds::inventory(m)
                ));
                EXIT_OK
            }
            None => EXIT_ERROR,
        },
        Command::Plan {
            manifest,
            format,
            detailed_exitcode,
            prune,
            targets,
            stats,
            out,
            adopt,
        } => plan::run(
            &ui,
            &manifest.file,
            &cli.global,
            plan::Args {
                format: *format,
                detailed_exitcode: *detailed_exitcode,
                prune: *prune,
                targets,
                stats: *stats,
                out: out.as_deref(),
                adopt: *adopt,
            },
        ),
        Command::Lint {
            manifest,
            format,
            fail_on,
            live,
        } => run_lint(&ui, manifest, &cli.global, *format, *fail_on, *live),
        Command::Drift {
            manifest,
            format,
            include_unmanaged,
        } => run_drift(
            &ui,
            &manifest.file,
            &cli.global,
            *format,
            *include_unmanaged,
        ),
        Command::Export(args) => run_export(&ui, args, &cli.global),
        Command::Fleet(command @ crate::cli::FleetCommand::Apply { .. }) => {
            fleet_apply::run(&ui, command, &cli.global)
        }
        Command::Fleet(command) => fleet::run(&ui, command, &cli.global),
        Command::Rollback {
            manifest,
            address,
            auto_approve,
            no_wait,
            wait_timeout,
            stats,
        } => rollback::run(
            &ui,
            &manifest.file,
            &cli.global,
            rollback::Args {
                address,
                auto_approve: *auto_approve,
                wait: !*no_wait,
                wait_timeout: *wait_timeout,
                stats: *stats,
            },
        ),
        Command::Apply {
            manifest,
            plan_file,
            auto_approve,
            prune,
            allow_replace,
            allow_delete,
            allow_expire_in_use,
            targets,
            stats,
            no_wait,
            wait_timeout,
            adopt,
        } => apply_command::run(
            &ui,
            &manifest.file,
            &cli.global,
            apply_command::Args {
                plan_file: plan_file.as_deref(),
                auto_approve: *auto_approve,
                prune: *prune,
                allow_replace: *allow_replace,
                allow_delete: *allow_delete,
                allow_expire_in_use: *allow_expire_in_use,
                targets,
                stats: *stats,
                no_wait: *no_wait,
                wait_timeout: *wait_timeout,
                adopt: *adopt,
            },
        ),
    }
}

fn adoption(adopt: bool) -> Adoption {
    if adopt {
        Adoption::Adopt
    } else {
        Adoption::Refuse
    }
}

fn confirm(ui: &Ui) -> bool {
    ui.out("\nDo you want to apply these changes? Only 'yes' will be accepted: ");
    let mut answer = String::new();
    std::io::stdin().read_line(&mut answer).is_ok() && answer.trim() == "yes"
}

fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: std::sync::OnceLock<tokio::runtime::Runtime> = std::sync::OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .expect("a tokio runtime starts")
    })
}
