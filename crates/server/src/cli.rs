//! The command line: `serve`, `migrate`, `account create`.

use crate::config::{AccountCommand, Cli, Command, ServeArgs};
use crate::db::Db;
use crate::model::accounts::{self, create_account};
use clap::Parser;
use std::process::ExitCode;

/// Entry point of the `passworks` binary.
pub async fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("PASSWORKS_LOG")
                .unwrap_or_else(|_| "info,sqlx=warn,tower_http=warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let result = match cli.command {
        Command::Serve(args) => serve(args).await,
        Command::Migrate(db) => {
            async {
                std::fs::create_dir_all(&db.data_dir)?;
                Db::connect(&db.url()).await?;
                eprintln!("migrations applied");
                Ok(())
            }
            .await
        }
        Command::Account {
            command: AccountCommand::Create(args),
        } => {
            async {
                std::fs::create_dir_all(&args.db.data_dir)?;
                let db = Db::connect(&args.db.url()).await?;
                let name = args.name.trim();
                anyhow::ensure!(!name.is_empty(), "--name must not be blank");
                let created = create_account(&db, name, None, args.organizations).await?;
                println!("{}", serde_json::to_string(&created)?);
                Ok(())
            }
            .await
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let running = crate::start(&args, shutdown_signal()).await?;
    let state = &running.state;
    if !args.no_first_account {
        let count = accounts::count(&state.db).await?;
        if count == 0 {
            let created = create_account(&state.db, "Administrator", None, true).await?;
            println!();
            println!("  First start: created an account.");
            println!("    API username: {}", created.api_username);
            println!("    API key:      {}", created.api_key);
            println!(
                "  Sign in at {}/ with these credentials.",
                state.settings.public_url
            );
            println!("  The key is shown only now; keep it somewhere safe.");
            println!();
        }
    }
    tracing::info!("listening on http://{}", running.addr);
    eprintln!("listening on http://{}", running.addr);
    running.handle.await?;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}
