//! The `passworks` binary: parses the command line and hands over to the library.

#[tokio::main]
async fn main() -> std::process::ExitCode {
    passworks_server::cli::main().await
}
