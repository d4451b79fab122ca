//! `techmatch serve` and `techmatch migrate`.

use std::io::Write;

use crate::app::{Application, open_store};
use crate::config::Settings;

#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// Load demo data: a demo admin account whose password is printed once.
    #[arg(long)]
    demo: bool,
    /// Override server.listen, e.g. 127.0.0.1:0 for any free port.
    #[arg(long)]
    listen: Option<String>,
}

pub async fn serve(args: ServeArgs, mut settings: Settings) -> anyhow::Result<()> {
    if let Some(listen) = args.listen {
        settings.server.listen = listen;
    }
    let application = Application::build(settings.clone()).await?;
    if args.demo {
        match application.ensure_demo_admin(&settings).await? {
            Some(password) => println!(
                "demo admin created: {} / {password} (shown once; reset with `techmatch user reset-password --email {}`)",
                settings.demo.admin_email, settings.demo.admin_email
            ),
            None => println!("demo admin exists: {}", settings.demo.admin_email),
        }
        if let Some(summary) = application.load_demo_data().await? {
            println!(
                "demo data loaded: {} research results, {} technology needs; these accounts share the password {} (shown once):",
                summary.results, summary.needs, summary.password
            );
            for (email, role) in &summary.accounts {
                println!("  {role:<16} {email}");
            }
            if let Some(event) = &summary.event {
                println!("demo fair: {event} (GET /api/v1/events)");
            }
            if summary.deals > 0 {
                println!("demo deals: {} at every stage (GET /api/v1/deals, page /my/deals)", summary.deals);
            }
        }
    }
    println!("listening on http://{}", application.address());
    std::io::stdout().flush()?;
    application.run().await?;
    Ok(())
}

pub async fn migrate(settings: &Settings) -> anyhow::Result<()> {
    let store = open_store(settings).await?;
    let applied = store.applied_migrations().await?;
    println!("database is at migration {} ({} applied)", applied.last().map_or("none", String::as_str), applied.len());
    store.close().await;
    Ok(())
}
