//! `techmatch match --all` and `techmatch refit-weights`: the matching's batch work.

use anyhow::Context;

use super::progress_bar;
use crate::app::open_store;
use crate::config::Settings;

#[derive(Debug, clap::Args)]
pub struct MatchArgs {
    /// Every open need (the only mode so far).
    #[arg(long)]
    all: bool,
    /// Results kept per need.
    #[arg(long, default_value_t = 20)]
    limit: usize,
}

pub async fn match_all(args: &MatchArgs, settings: &Settings) -> anyhow::Result<()> {
    anyhow::ensure!(args.all, "say --all: batch matching covers every open need");
    anyhow::ensure!((1..=100).contains(&args.limit), "--limit must be between 1 and 100");
    let store = open_store(settings).await?;
    let index_dir = settings.search.index_dir.clone();
    let index = tokio::task::spawn_blocking(move || techmatch_search::SearchIndex::open_read_only(&index_dir))
        .await?
        .context("cannot open the search index (run `techmatch reindex` or start the server once)")?;
    let bar = progress_bar("matching");
    let started = std::time::Instant::now();
    let summary = techmatch_service::matching::match_all(
        &store,
        std::sync::Arc::new(index),
        &settings.matching.weights,
        args.limit,
        |done, total| {
            bar.set_length(total as u64);
            bar.set_position(done as u64);
        },
    )
    .await
    .map_err(|error| anyhow::anyhow!("{error}"))?;
    bar.finish_and_clear();
    store.close().await;
    println!(
        "matched {} open needs, stored {} pairs in {:.1} s",
        summary.needs,
        summary.pairs,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

pub async fn refit_weights(settings: &Settings) -> anyhow::Result<()> {
    let store = open_store(settings).await?;
    let (labels, report) = techmatch_service::matching::refit_from_decisions(&store, &settings.matching.weights)
        .await
        .map_err(|error| anyhow::anyhow!("{error}"))?;
    store.close().await;
    let told = format!(
        "{} decisions, {} deal outcomes and {} interests declined as off-field",
        labels.decisions, labels.deals, labels.interests
    );
    let Some(report) = report else {
        println!(
            "{told} so far: a refit needs at least {} labelled pairs with features, both good and bad",
            techmatch_matching::refit::MINIMUM_SAMPLES
        );
        return Ok(());
    };
    println!("refit from {} labelled pairs with feature values ({told})", report.samples);
    println!(
        "auc before {:.4} (current weights)  after {:.4} (5-fold cross-validated)",
        report.auc_before, report.auc_after
    );
    let weights = report.weights;
    println!("[matching.weights]");
    for (name, value) in [
        ("text", weights.text),
        ("keywords", weights.keywords),
        ("industry", weights.industry),
        ("maturity", weights.maturity),
        ("budget", weights.budget),
        ("modes", weights.modes),
        ("region", weights.region),
        ("freshness", weights.freshness),
        ("feedback", weights.feedback),
    ] {
        println!("{name} = {value:.3}");
    }
    Ok(())
}
