//! The `wharf` binary: parse the command line, set up logging, run the command, exit with
//! its code (0 ok, 1 error, 2 changes or drift where the command says so).

use clap::Parser;
use tracing_subscriber::EnvFilter;

fn main() {
    let cli = wharf::cli::Cli::parse();
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
