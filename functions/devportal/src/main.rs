//! `devportal serve`: the whole portal on this machine.

use clap::Parser;
use devportal::config::{Cli, Command, ServeConfig};
use devportal_app::bootstrap::BootstrapOutcome;
use devportal_wiring::logging::{self, LogFormat, LogSetup};
use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let args = match cli.command {
        Command::Serve(args) => args,
        Command::Openapi => {
            println!("{}", devportal_api::openapi::document().to_pretty_json().expect("the document serialises"));
            return ExitCode::SUCCESS;
        }
    };
    let filter = match logging::parse_filter(&args.log) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("devportal: --log: {e}");
            return ExitCode::from(2);
        }
    };
    let format = if args.log_json { LogFormat::Json } else { LogFormat::Text };
    // Kept to the end of `main`: dropping it writes out the lines still queued.
    let _logs = logging::init(LogSetup::local(filter, format));
    let config = match ServeConfig::from_args(&args) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("devportal: {e}");
            return ExitCode::from(2);
        }
    };
    let running = match devportal::start(config.clone(), devportal::shutdown_signal()).await {
        Ok(r) => r,
        Err(e) => {
            eprintln!("devportal: {e}");
            return ExitCode::FAILURE;
        }
    };
    match &running.bootstrap {
        BootstrapOutcome::Created { user, generated_token: Some(token) } => {
            println!("First start: created {} (platform admin) in \"Default organization\".", user.email);
            println!("Your API token (shown once, keep it): {}", token.expose());
        }
        BootstrapOutcome::Created { user, generated_token: None } => {
            println!("First start: created {} with the token from DEVPORTAL_TOKEN.", user.email);
        }
        BootstrapOutcome::Existing { preset_registered: true, .. } => {
            println!("Registered the token from DEVPORTAL_TOKEN for the administrator.");
        }
        BootstrapOutcome::Existing { preset_revoked: true, .. } => {
            println!("DEVPORTAL_TOKEN was revoked and stays revoked: it does not authenticate. Unset it or use another token.");
        }
        BootstrapOutcome::Existing { .. } => {}
    }
    println!("Data directory: {}", config.data_dir.display());
    println!("Dev Portal listening on http://{}", running.addr);
    match running.server.await {
        Ok(Ok(())) => ExitCode::SUCCESS,
        Ok(Err(e)) => {
            eprintln!("devportal: {e}");
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("devportal: server task failed: {e}");
            ExitCode::FAILURE
        }
    }
}
