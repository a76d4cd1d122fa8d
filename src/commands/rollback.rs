//! `wharf rollback ADDRESS`: says what rolling the service back means now (stopping the
//! deployment in flight, or deploying the revision the last one replaced), asks on a
//! terminal, starts it, and follows it to its end like apply follows a deployment.

use super::*;
use crate::kinds::service::deployment::RollbackChoice;

/// What `wharf rollback` was asked for.
pub(super) struct Args<'a> {
    pub address: &'a str,
    pub auto_approve: bool,
    pub wait: bool,
    pub wait_timeout: Option<std::time::Duration>,
    pub stats: bool,
}

pub(super) fn run(ui: &Ui, files: &[PathBuf], global: &GlobalArgs, args: Args) -> i32 {
    let interactive = std::io::stdin().is_terminal();
    if !args.auto_approve && !interactive {
        ui.error("standard input is not a terminal, so wharf cannot ask for confirmation");
        ui.hint(&format!(
            "run `wharf rollback {} --auto-approve`",
            args.address
        ));
        return EXIT_ERROR;
    }
    let Some(loaded) = load(ui, files, global) else {
        return EXIT_ERROR;
    };
    let manifest = &loaded.manifest;
    let prefix = crate::kinds::service::ADDRESS_PREFIX;
    let name = args.address.strip_prefix(prefix).unwrap_or(args.address);
    let Some(service) = manifest.ecs.services.get(name) else {
        ui.error(&format!(
            "`{}` is not a service of this manifest",
            args.address
        ));
        let known: Vec<String> = manifest
            .ecs
            .services
            .keys()
            .map(|n| format!("{prefix}{n}"))
            .collect();
        match crate::diagnostics::did_you_mean(args.address, known.iter().map(String::as_str)) {
            Some(close) => ui.hint(&format!("did you mean `{close}`?")),
            None if known.is_empty() => ui.hint("the manifest declares no ecs.services"),
            None => ui.hint(&format!("its services: {}", known.join(", "))),
        }
        return EXIT_ERROR;
    };
    let address = crate::kinds::service::address(name);
    let cluster = crate::kinds::service::cluster_of(service);
    let timeout = args.wait_timeout.unwrap_or_else(|| {
        std::time::Duration::from_secs(
            service
                .get("waitSeconds")
                .and_then(serde_json::Value::as_u64)
                .unwrap_or_else(|| crate::kinds::service::default_wait_seconds(service)),
        )
    });
    let Some(connect) = connect_options(ui, global, manifest) else {
        return EXIT_ERROR;
    };
    let spinner = reading_spinner();
    let read = runtime().block_on(async {
        let aws = Aws::connect(&connect).await?;
        let choice = crate::kinds::service::io::read_rollback(&aws, &cluster, name).await?;
        Ok::<_, aws::AwsError>((aws, choice))
    });
    spinner.finish_and_clear();
    let (aws, choice) = match read {
        Ok(read) => read,
        Err(error) => {
            aws_error(ui, &error);
            return EXIT_ERROR;
        }
    };
    let (what, declared) = match &choice {
        RollbackChoice::Stop { from, to, .. } => (
            format!(
                "stop the deployment of {from} in flight and let ECS roll the service back to {}",
                to.as_deref().unwrap_or("the revision it ran before")
            ),
            to.clone(),
        ),
        RollbackChoice::Follow { .. } => (
            "ECS is already rolling it back; wharf follows the rollback".to_string(),
            None,
        ),
        RollbackChoice::Redeploy { from, to } => (
            format!("deploy {to} again in place of {from} (its last deployment has finished)"),
            Some(to.clone()),
        ),
        RollbackChoice::Nothing(reason) => {
            ui.out(&format!("{address}: nothing to roll back: {reason}.\n"));
            return finish(ui, &aws, args.stats, EXIT_OK);
        }
    };
    ui.out(&format!("{address}: {what}.\n"));
    if !matches!(choice, RollbackChoice::Follow { .. }) && !args.auto_approve {
        ui.out("\nDo you want to roll back? Only 'yes' will be accepted: ");
        let mut answer = String::new();
        if std::io::stdin().read_line(&mut answer).is_err() || answer.trim() != "yes" {
            ui.error("rollback cancelled; nothing was changed");
            return EXIT_ERROR;
        }
    }
    let progress = |status: &str| {
        ui.out(&format!(
            "{} {address}: {status}\n",
            ui.paint(AnsiColor::Yellow.on_default().bold(), "…")
        ));
    };
    let signals = runtime().spawn(super::progress::watch_for_interruptions());
    let outcome = runtime().block_on(async {
        let started =
            crate::kinds::service::io::start_rollback(&aws, &cluster, name, &choice).await?;
        if !args.wait {
            return Ok(false);
        }
        // An UpdateService answer without the service: follow its PRIMARY deployment.
        let (started, following) = started.unwrap_or_default();
        tokio::select! {
            waited = crate::kinds::service::io::wait_for_deployment_reporting(
                &aws, &cluster, name, Some(&started), following, timeout, &progress,
            ) => waited.map(|()| true),
            () = apply::until_interrupted() => Ok(false),
        }
    });
    signals.abort();
    let code = match outcome {
        Ok(true) => {
            ui.out(&format!(
                "{} {address} rolled back{}.\n",
                ui.paint(AnsiColor::Green.on_default().bold(), "✓"),
                declared
                    .as_deref()
                    .map(|td| format!(" to {td}"))
                    .unwrap_or_default()
            ));
            EXIT_OK
        }
        Ok(false) if apply::interrupted() => {
            ui.out(&format!(
                "{address}: stopped waiting; the rollback goes on in AWS.\n"
            ));
            EXIT_INTERRUPTED
        }
        Ok(false) => {
            ui.out(&format!(
                "{address}: rollback started; not waiting for it (--no-wait).\n"
            ));
            EXIT_OK
        }
        Err(error) => {
            ui.error(&format!("{address}: {}", error.message));
            EXIT_ERROR
        }
    };
    if code != EXIT_ERROR {
        ui.hint(&format!(
            "the manifest still declares what was rolled back: the next `wharf apply` deploys it again; change `{}` (or its task definition) to keep the rollback",
            crate::kinds::manifest_pointer(&address)
                .map(|p| p.trim_start_matches('/').replace('/', "."))
                .unwrap_or_else(|| address.clone())
        ));
    }
    finish(ui, &aws, args.stats, code)
}

fn finish(ui: &Ui, aws: &Aws, stats: bool, code: i32) -> i32 {
    if stats || ui.verbose > 0 {
        let _ = writeln!(anstream::stderr(), "{}", aws.stats.summary());
    }
    code
}
