//! `ferry`: with no subcommand (as cargo-leptos runs it) or `ferry serve`, the dashboard;
//! `ferry cloud`, the embedded OpenStack cloud alone, for the `openstack` CLI and for tests.

use std::{net::SocketAddr, time::Duration};

use clap::{Parser, Subcommand};
use embedded_cloud::{CloudConfig, RunningCloud, DEMO_USERS};
use leptos::config::get_configuration;
use server::{config, startup};

#[derive(Parser)]
#[command(
    name = "ferry",
    version,
    about = "Move OpenStack instances between compute hosts"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    serve: ServeArgs,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the dashboard (the default).
    Serve(ServeArgs),
    /// Run the embedded OpenStack cloud alone; prints an openrc and a clouds.yaml entry.
    Cloud(CloudArgs),
}

#[derive(clap::Args, Clone)]
struct ServeArgs {
    /// Cloud name in clouds.yaml (or OS_CLOUD). Without it, OS_* variables; without those, the
    /// embedded cloud.
    #[arg(long)]
    cloud: Option<String>,
    /// Where the in-process embedded cloud listens, when it is used.
    #[arg(long, env = "FERRY_CLOUD_LISTEN", default_value = "127.0.0.1:0")]
    cloud_listen: SocketAddr,
    #[command(flatten)]
    embedded: EmbeddedArgs,
}

#[derive(clap::Args, Clone)]
struct EmbeddedArgs {
    /// Makes every embedded-cloud timing N times faster than realistic.
    #[arg(long, env = "FERRY_CLOUD_SPEED", default_value_t = 1.0)]
    speed: f64,
    /// Grow the embedded cloud's demo set to this many instances (e.g. 10000).
    #[arg(long, env = "FERRY_CLOUD_INSTANCES", default_value_t = 0)]
    instances: usize,
}

#[derive(clap::Args)]
struct CloudArgs {
    #[arg(long, default_value = "127.0.0.1:8774")]
    listen: SocketAddr,
    #[command(flatten)]
    embedded: EmbeddedArgs,
}

#[tokio::main]
async fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,tower_http=warn".into()),
        )
        .init();
    let cli = Cli::parse();
    let result = match cli.command {
        Some(Command::Cloud(args)) => run_cloud(args).await,
        Some(Command::Serve(args)) => serve(args).await,
        None => serve(cli.serve).await,
    };
    if let Err(message) = result {
        eprintln!("ferry: {message}");
        std::process::exit(1);
    }
}

fn cloud_config(args: &EmbeddedArgs) -> Result<CloudConfig, String> {
    if !(args.speed.is_finite() && args.speed > 0.0) {
        return Err(format!(
            "--speed must be a positive number, not {}",
            args.speed
        ));
    }
    Ok(CloudConfig {
        speed: args.speed,
        instances: args.instances,
        ..CloudConfig::default()
    })
}

async fn start_embedded(addr: SocketAddr, args: &EmbeddedArgs) -> Result<RunningCloud, String> {
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| format!("cannot listen on {addr} for the embedded cloud: {e}"))?;
    embedded_cloud::start(cloud_config(args)?, listener)
        .await
        .map_err(|e| format!("cannot start the embedded cloud: {e}"))
}

async fn run_cloud(args: CloudArgs) -> Result<(), String> {
    let cloud = start_embedded(args.listen, &args.embedded).await?;
    let admin = DEMO_USERS
        .iter()
        .find(|u| u.role == "admin")
        .unwrap_or(&DEMO_USERS[0]);
    println!("# Embedded OpenStack cloud at {}", cloud.base_url());
    println!("# openrc for {}:", admin.name);
    println!("{}", cloud.openrc(admin));
    println!("# clouds.yaml:");
    println!("{}", cloud.clouds_yaml());
    shutdown_signal().await;
    Ok(())
}

async fn serve(args: ServeArgs) -> Result<(), String> {
    let conf = get_configuration(None).map_err(|e| format!("Leptos configuration: {e}"))?;
    let options = conf.leptos_options;
    let addr = options.site_addr;

    let mut _embedded = None;
    let settings = match config::from_environment(args.cloud.clone()).map_err(|e| e.to_string())? {
        Some(settings) => {
            tracing::info!(cloud = %settings.name, auth_url = %settings.auth_url, "using the configured cloud");
            settings
        }
        None => {
            let cloud = start_embedded(args.cloud_listen, &args.embedded).await?;
            tracing::info!(
                url = %cloud.base_url(),
                "no cloud configured (no --cloud, OS_CLOUD or OS_AUTH_URL): started the embedded demo cloud"
            );
            println!("Embedded demo cloud at {} — demo logins:", cloud.base_url());
            for u in DEMO_USERS {
                println!(
                    "  user {:<9} password {:<15} project {:<10} ({})",
                    u.name, u.password, u.project, u.role
                );
            }
            let settings = startup::embedded_settings(cloud.auth_url());
            _embedded = Some(cloud);
            settings
        }
    };
    let secure = std::env::var("FERRY_SECURE_COOKIES").is_ok_and(|v| v == "1" || v == "true");
    let backend = startup::backend_for(&settings, secure)?;
    let drains = startup::drains_for(&backend).await?;
    let _ = backend.drains.set(drains.clone());
    // Drives the drains this server holds; on shutdown it hands them back at once, so another
    // server takes them over without waiting for the lease to run out.
    let stop = std::sync::Arc::new(tokio::sync::Notify::new());
    let runner = tokio::spawn(drains.runner.clone().run({
        let stop = stop.clone();
        async move { stop.notified().await }
    }));
    server::memory::spawn_trimmer(Duration::from_secs(5));
    let app = server::router(options, backend);

    let listener = tokio::net::TcpListener::bind(&addr)
        .await
        .map_err(|e| format!("cannot listen on {addr}: {e}"))?;
    println!("Ferry is at http://{addr}");
    // The peer address feeds the login throttle (see FERRY_TRUSTED_PROXIES).
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await
    .map_err(|e| format!("server error: {e}"))?;
    stop.notify_one();
    let _ = tokio::time::timeout(Duration::from_secs(5), runner).await;
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
    // Give in-flight requests a moment; axum's graceful shutdown waits for them.
    tokio::time::sleep(Duration::from_millis(10)).await;
}
