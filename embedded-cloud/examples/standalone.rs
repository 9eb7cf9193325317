//! Run the embedded cloud alone (until the `ferry cloud` command is used):
//! `cargo run -p embedded-cloud --example standalone -- --listen 127.0.0.1:8774 --speed 10`

use std::time::Duration;

use embedded_cloud::{CloudConfig, DEMO_USERS};

fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .cloned()
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let listen = arg(&args, "--listen").unwrap_or_else(|| "127.0.0.1:8774".into());
    let speed = arg(&args, "--speed")
        .map(|s| s.parse::<f64>())
        .transpose()?
        .unwrap_or(1.0);
    let instances = arg(&args, "--instances")
        .map(|s| s.parse::<usize>())
        .transpose()?
        .unwrap_or(0);
    let auto_confirm = arg(&args, "--auto-confirm")
        .map(|s| s.parse::<u64>())
        .transpose()?
        .map(Duration::from_secs);
    let listener = tokio::net::TcpListener::bind(&listen).await?;
    let cloud = embedded_cloud::start(
        CloudConfig {
            speed,
            instances,
            auto_confirm,
            ..CloudConfig::default()
        },
        listener,
    )
    .await?;
    println!("# Embedded OpenStack cloud at {}", cloud.base_url());
    println!("{}", cloud.openrc(&DEMO_USERS[0]));
    println!("{}", cloud.clouds_yaml());
    use std::io::Write;
    std::io::stdout().flush()?;
    tokio::signal::ctrl_c().await?;
    Ok(())
}
