//! The `wharf` binary: parse the command line, set up logging, run the command, exit with
//! its code (0 ok, 1 error, 2 changes or drift where the command says so, 3 lint findings
//! at or above the threshold).

use clap::Parser;
use tracing_subscriber::EnvFilter;

fn main() {
    // Usage errors exit 1, not clap's 2: for `plan --detailed-exitcode` and `drift`, 2
    // means "changes found", and a typo in a CI job must not look like that.
    let cli = match wharf::cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            let _ = error.print();
            std::process::exit(if error.use_stderr() { 1 } else { 0 });
        }
    };
    let filter = match cli.global.verbose {
        0 => "warn",
        1 => "warn,wharf=debug",
        _ => "debug,aws_smithy_runtime=trace",
    };
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_env("WHARF_LOG").unwrap_or_else(|_| EnvFilter::new(filter)),
        )
        .with_writer(std::io::stderr)
        .with_ansi(!cli.global.no_color && std::env::var_os("NO_COLOR").is_none())
        .init();
    std::process::exit(wharf::commands::run(cli));
}
